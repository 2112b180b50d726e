"""The cyclic garbage collector runs on the GUI thread only.

CPython starts a collection in whichever thread happens to allocate past the threshold. When that is a worker
thread (the generation thread, the voice studio's worker, the audio callback) and the garbage holds Qt objects
(a closed dialog's widgets caught in a reference cycle), their C++ side is destroyed off the GUI thread, which Qt
does not allow: the process dies with a segmentation fault (seen in CI inside qwen_tts's text processor, called
from the studio's preview worker). So the automatic collector is switched off and this timer, on the GUI thread,
collects each generation when CPython would have, by the same counters and thresholds. A side effect we want:
the audio callback never pays for a collection pass.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 100


def due_generation() -> int | None:
    """The oldest generation whose allocation counter is past its threshold (what CPython would collect)."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            return generation
    return None


class MainThreadCollector(QObject):
    """Owns garbage collection for a Qt process; lives on (and must be made on) the GUI thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_if_due)
        gc.disable()
        self._timer.start()

    def collect_if_due(self) -> int | None:
        """Collects the generation that is due, if any; returns it (None when nothing was due)."""
        generation = due_generation()
        if generation is not None:
            gc.collect(generation)
        return generation

    def stop(self) -> None:
        """Hands collection back to CPython (the process is leaving Qt)."""
        self._timer.stop()
        gc.enable()


_installed: MainThreadCollector | None = None


def install(app: QObject) -> MainThreadCollector:
    """Starts the GUI-thread collector for this application (once; later calls return the same one)."""
    global _installed
    if _installed is None:
        _installed = MainThreadCollector(app)
        app.destroyed.connect(_forget)
    return _installed


def _forget(*_: object) -> None:
    global _installed
    _installed = None
    gc.enable()
