"""Qt face of offline generation: a chapter range generated on a worker thread, reported by signals.

The GUI calls start() and cancel() on the GUI thread; the work (model load included) runs on a Python thread,
and its signals reach GUI slots through queued connections. A cancelled or interrupted run is resumed by
starting again: clips already cached are skipped.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from reader_app.books.model import Book
from reader_app.narration.config import ClipCache, EngineProvider, NarrationConfig
from reader_app.narration.pregen import NO_MODEL_TO_GENERATE, Pregenerator, PregenProgress

log = logging.getLogger(__name__)


class PregenController(QObject):
    progress = Signal(int, int, float)  # done sentences, total sentences, eta_s (< 0 while unknown)
    finished = Signal(int, int, bool)  # generated, failed, cancelled
    error = Signal(str)  # the job stopped: no model, the model failed to load, the store refused a clip

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, book: Book, cache: ClipCache, config: NarrationConfig, engine_provider: EngineProvider | None,
              chapters: range) -> bool:
        """Begin generating `chapters` (indices from 0). False if a job is already running."""
        if self.running:
            return False
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="narration-pregen", daemon=True,
                                        args=(book, cache, config, engine_provider, chapters, self._cancel))
        self._thread.start()
        return True

    def cancel(self) -> None:
        """Stops after the current chunk (streaming engine) or batch; what finished stays cached."""
        self._cancel.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the job ends (tests, and closing the app); True when it did."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        return not self.running

    def _run(self, book: Book, cache: ClipCache, config: NarrationConfig, engine_provider: EngineProvider | None,
             chapters: range, cancel: threading.Event) -> None:
        if engine_provider is None:
            self.error.emit(NO_MODEL_TO_GENERATE)
            self.finished.emit(0, 0, False)
            return

        def report(p: PregenProgress) -> None:
            eta = p.eta_s
            self.progress.emit(p.done, p.total, -1.0 if eta is None else float(eta))

        try:
            result = Pregenerator(book, cache, config, engine_provider, cancel).run(chapters, progress=report)
        except Exception as exc:  # noqa: BLE001 - model load or cache failure, any kind: say so, never kill the app
            log.warning("offline generation failed: %s", exc)
            self.error.emit(f"Offline generation stopped: {exc}")
            self.finished.emit(0, 0, cancel.is_set())
            return
        if result.error is not None:  # stopped early (disk full, read-only, a model that did not load)
            self.error.emit(f"Offline generation stopped: {result.error}")
        self.finished.emit(result.generated, result.failed, result.cancelled)
