"""Model work for the voice studio, off the GUI thread: one QThread runs queued jobs, engines cached by folder.

A job is a plain callable taking the engine getter; its result or its error message comes back through a
signal (queued to the GUI thread). Engines are created lazily on the worker; the dialogs' default factory
(narration.engine_provider.studio_engine) runs them in an engine process, so torch never enters the GUI process.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from reader_app.audio.clip import AudioClip
from reader_app.audio.output import AudioOutput
from reader_app.tts.engine import EngineError


class EngineCache:
    """Engines by model folder; at most `keep` loaded at once (they are large)."""

    def __init__(self, factory: Callable[[str], Any], keep: int = 2) -> None:
        self.factory = factory
        self.keep = keep
        self._engines: dict[str, Any] = {}

    def get(self, folder: str) -> Any:
        if not folder:
            raise EngineError("Choose a model folder first.")
        if folder not in self._engines:
            while len(self._engines) >= self.keep:
                self._engines.pop(next(iter(self._engines)))
            self._engines[folder] = self.factory(folder)
        return self._engines[folder]


class StudioWorker(QThread):
    finished_job = Signal(str, object)  # tag, result
    failed_job = Signal(str, str)  # tag, message
    busy_changed = Signal(bool)

    def __init__(self, engines: EngineCache, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engines = engines
        self._jobs: queue.Queue = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()

    def submit(self, tag: str, job: Callable[[EngineCache], Any]) -> None:
        with self._lock:
            self._pending += 1
        self.busy_changed.emit(True)
        self._jobs.put((tag, job))
        if not self.isRunning():
            self.start()

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            tag, job = item
            try:
                result = job(self.engines)
            except (EngineError, OSError, ValueError) as exc:
                self.failed_job.emit(tag, str(exc))
            except Exception as exc:  # noqa: BLE001 - a bug must not kill the worker; show it
                self.failed_job.emit(tag, f"{type(exc).__name__}: {exc}")
            else:
                self.finished_job.emit(tag, result)
            with self._lock:
                self._pending -= 1
                idle = self._pending == 0
            if idle:
                self.busy_changed.emit(False)

    def shutdown(self) -> None:
        if self.isRunning():
            self._jobs.put(None)
            self.wait(5000)


class ClipPlayer:
    """Plays one clip through an AudioOutput (sound card or null) and stops at its end."""

    def __init__(self, make_output: Callable[[], AudioOutput]) -> None:
        self.make_output = make_output
        self._output: AudioOutput | None = None
        self._samples = np.zeros(0, dtype=np.float32)
        self._pos = 0

    def play(self, clip: AudioClip) -> None:
        self.stop()
        self._samples, self._pos = clip.samples.astype(np.float32), 0
        self._output = output = self.make_output()
        output.start(self._fill)

    def _fill(self, buffer: np.ndarray) -> None:
        chunk = self._samples[self._pos:self._pos + len(buffer)]
        buffer[:] = 0.0
        buffer[:chunk.size] = chunk
        self._pos += len(buffer)

    def stop(self) -> None:
        if self._output is not None:
            try:
                self._output.stop()
            finally:
                self._output = None
