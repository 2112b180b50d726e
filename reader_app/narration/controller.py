"""Qt face of the narrator: its callbacks (from worker and audio threads) become Qt signals.

Signals emitted from other threads reach slots in the GUI thread through queued connections, so widgets are
only ever touched on the GUI thread. A sentence-start is re-timed here by the output latency, so the
highlight moves when the sentence is heard, not when it is handed to the sound card.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from reader_app.narration.config import NarrationListener, NarrationState
from reader_app.narration.narrator import Narrator


class NarrationController(QObject, NarrationListener):
    sentenceStarted = Signal(int)  # sentence index in reading order, when it is heard
    clipReady = Signal(int)
    stateChanged = Signal(str)  # a NarrationState: stopped | playing | paused | buffering | finished
    errorOccurred = Signal(str)
    noticeOccurred = Signal(str)  # good news for the status line (e.g. the audio device is back)
    sentenceSkipped = Signal(int, str)
    sentenceRequested = Signal(int)  # its synthesis began
    _startedLater = Signal(int, float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.narrator: Narrator | None = None
        self._startedLater.connect(self._emit_started_after)

    def adopt(self, narrator: Narrator) -> None:
        """Take over a narrator built elsewhere (off the GUI thread) with this controller as its listener;
        the previous one is closed."""
        if narrator is self.narrator:
            return
        self.close()
        narrator.listener = self
        self.narrator = narrator

    def close(self) -> None:
        if self.narrator is not None:
            self.narrator.close()
            self.narrator = None

    # -- NarrationListener (called from worker/audio threads; on_clip_queued stays a no-op) ----------------
    def on_sentence_started(self, index: int, delay_s: float) -> None:
        self._startedLater.emit(index, delay_s)

    def on_requested(self, index: int) -> None:
        self.sentenceRequested.emit(index)

    def on_clip_ready(self, index: int) -> None:
        self.clipReady.emit(index)

    def on_state(self, state: NarrationState) -> None:
        self.stateChanged.emit(state)

    def on_error(self, message: str) -> None:
        self.errorOccurred.emit(message)

    def on_notice(self, message: str) -> None:
        self.noticeOccurred.emit(message)

    def on_sentence_skipped(self, index: int, message: str) -> None:
        self.sentenceSkipped.emit(index, message)

    @Slot(int, float)
    def _emit_started_after(self, index: int, delay_s: float) -> None:
        if delay_s <= 0.005:
            self.sentenceStarted.emit(index)
        else:
            QTimer.singleShot(int(delay_s * 1000), self, lambda: self.sentenceStarted.emit(index))
