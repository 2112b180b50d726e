"""Qt face of the generation queue's work: one entry at a time on a worker thread, reported by signals.

What an entry needs (its book parsed, its cache opened, the narration config and the engine for its model and
voice) is made by a `prepare` callable on the worker thread, so parsing a large book never blocks the window;
the generating is `Pregenerator`. An interrupted run (the open book's playback needed the engine, the entry was
paused, the app closed) reports `interrupted`: a later run continues from what is cached.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from reader_app.books.model import Book
from reader_app.narration.config import ClipCache, EngineProvider, NarrationConfig
from reader_app.narration.pregen import NO_MODEL_TO_GENERATE, Pregenerator, PregenProgress
from reader_app.narration.pregen_queue import QueueEntry

log = logging.getLogger(__name__)


@dataclass
class QueueJob:
    """What one entry's run works with; `close` is called when it ends (the cache it opened)."""

    book: Book
    cache: ClipCache
    config: NarrationConfig
    engine_provider: EngineProvider | None
    chapters: range
    close: Callable[[], None] = field(default=lambda: None)


class Outcome(StrEnum):
    """How a run ended (the `finished` signal's second argument)."""

    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class QueueRunner(QObject):
    progress = Signal(str, int, int)  # entry id, done, total
    finished = Signal(str, str, str)  # entry id, Outcome, message (why it failed, what failed)

    def __init__(self, prepare: Callable[[QueueEntry], QueueJob], parent: QObject | None = None) -> None:
        """prepare: runs on the worker thread; raises (any exception, one line) when the entry cannot run."""
        super().__init__(parent)
        self._prepare = prepare
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.entry_id: str | None = None  # the entry being run

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, entry: QueueEntry) -> bool:
        if self.running:
            return False
        self._stop = threading.Event()
        self.entry_id = entry.id
        self._thread = threading.Thread(target=self._run, args=(entry, self._stop), name="generation-queue",
                                        daemon=True)
        self._thread.start()
        return True

    def interrupt(self) -> None:
        """Stop after the current chunk or batch; `finished` follows with Outcome.INTERRUPTED."""
        self._stop.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout_s)
        return not self.running

    def _run(self, entry: QueueEntry, stop: threading.Event) -> None:
        try:
            job = self._prepare(entry)
        except Exception as exc:  # noqa: BLE001 - a book that no longer opens, a damaged store: one line
            log.info("generation queue: %s cannot run: %s", entry.title, exc)
            self.finished.emit(entry.id, Outcome.FAILED, str(exc))
            return
        try:
            outcome, message = self._generate(entry, job, stop)
        finally:
            job.close()
        self.finished.emit(entry.id, outcome, message)

    def _generate(self, entry: QueueEntry, job: QueueJob, stop: threading.Event) -> tuple[str, str]:
        if job.engine_provider is None:
            return Outcome.FAILED, NO_MODEL_TO_GENERATE

        def report(p: PregenProgress) -> None:
            self.progress.emit(entry.id, p.done, p.total)

        try:
            result = Pregenerator(job.book, job.cache, job.config, job.engine_provider, stop).run(
                job.chapters, progress=report)
        except Exception as exc:  # noqa: BLE001 - model load or store failure, any kind: say so, never crash
            log.warning("generation queue: %s stopped: %s", entry.title, exc)
            return Outcome.FAILED, f"Stopped: {exc}"
        if result.error is not None:
            return Outcome.FAILED, f"Stopped: {result.error}"
        if stop.is_set() and result.done + result.failed < result.total:
            return Outcome.INTERRUPTED, ""
        return Outcome.DONE, f"{result.failed} sentences failed" if result.failed else ""
