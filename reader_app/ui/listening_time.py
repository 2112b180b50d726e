"""Time-based progress in the window: "12:04 / 45:10 in chapter · 6 h 12 min left in book" in the transport,
the library card's time left, and 30 s back / forward.

The timeline itself is Qt-free (narration/timing.py). It is built off the GUI thread (a clip key per sentence and
one query for the cached durations: about 0.2 s for a 19,000-sentence book) when a book opens or the narration
config changes what is heard (voice, model, pauses), and learns each clip's length as it is generated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Slot

from reader_app.narration.config import NarrationConfig
from reader_app.narration.controller import NarrationController
from reader_app.narration.timing import (
    TIME_LEFT_SETTING,
    ListeningTimeline,
    build_timeline,
    format_clock,
    format_duration,
)
from reader_app.store.errors import StoreError
from reader_app.ui.book_session import OpenedBook
from reader_app.ui.playback import PlaybackController
from reader_app.ui.services import AppServices
from reader_app.ui.transport_bar import TransportBar
from reader_app.ui.workers import Job, run_job

JUMP_S = 30.0  # heard seconds, whatever the speed
REFRESH_MS = 500
_SAVE_EVERY_S = 15.0  # the saved time left is rewritten when it moved this much


def _heard(config: NarrationConfig) -> tuple[str, ...]:
    """What changes clip keys or pauses (not speed or volume: those only scale or colour the same audio)."""
    plain = dataclasses.replace(config, speed=1.0, volume=1.0, lookahead_s=0.0, batch_size=1)
    return (repr(plain.voice), plain.model_id, repr(sorted(plain.engine_settings.items())), plain.language,
            repr((plain.pause_sentence_s, plain.pause_paragraph_s, plain.pause_chapter_s)))


class ListeningTime(QObject):
    def __init__(self, services: AppServices, narration: NarrationController, playback: PlaybackController,
                 transport: TransportBar, current: Callable[[], OpenedBook | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.narration = narration
        self.playback = playback
        self.transport = transport
        self._current = current
        self.timeline: ListeningTimeline | None = None
        self._built_for: tuple[object, ...] | None = None  # (book id, what is heard) of the timeline or the job
        self._job: Job | None = None
        self._saved_left: float | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)  # the elapsed time moves within a sentence too
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        narration.clipReady.connect(self._clip_ready)
        narration.sentenceStarted.connect(self._sentence_started)
        narration.stateChanged.connect(self._state_changed)
        # Said before the narrator moves: shown once it has.
        playback.jumped.connect(lambda _old, _new: QTimer.singleShot(0, self, self.refresh))
        transport.back30.connect(self.back)
        transport.forward30.connect(self.forward)

    # -- the timeline ------------------------------------------------------------------------------------
    def book_changed(self) -> None:
        """A book was opened (or closed): its timeline is built anew."""
        self.timeline = None
        self._built_for = None
        self._saved_left = None
        self.transport.set_times("")
        self._ensure_timeline()

    def _ensure_timeline(self) -> None:
        opened, narrator = self._current(), self.narration.narrator
        if opened is None or narrator is None:
            return
        wanted = (opened.book_id, _heard(narrator.config))
        if wanted == self._built_for:
            return
        self._built_for = wanted
        sentences, config, cache = opened.book.sentences(), narrator.config, opened.cache

        def done(timeline: object) -> None:
            if self._built_for == wanted and isinstance(timeline, ListeningTimeline):
                self.timeline = timeline
                self.refresh()

        def failed(exc: BaseException) -> None:  # a closed or damaged cache: the times stay blank
            if self._built_for == wanted:
                self._built_for = None

        self._job = run_job(self, lambda: build_timeline(sentences, config, cache.clip_durations), done, failed,
                            name="listening-time")

    @Slot(int)
    def _clip_ready(self, index: int) -> None:
        timeline, opened, narrator = self.timeline, self._current(), self.narration.narrator
        if timeline is None or opened is None or narrator is None or not 0 <= index < len(timeline):
            return
        key = narrator.key_for(index)
        try:
            seconds = opened.cache.clip_durations([key]).get(key.digest)  # one indexed lookup
        except StoreError:  # a clip's length is a nicety: the estimate stays
            return
        if seconds is not None:
            timeline.set_duration(index, seconds)

    # -- where we are ------------------------------------------------------------------------------------
    def position(self) -> tuple[int, float]:
        """(sentence, seconds into it) of what is heard; the offset is 0 when not known."""
        narrator = self.narration.narrator
        if narrator is None:
            return 0, 0.0
        index = narrator.cursor
        current = narrator.player.current()
        offset = current[1] if current is not None and current[0].index == index else 0.0
        return index, offset

    def speed(self) -> float:
        narrator = self.narration.narrator
        return narrator.config.speed if narrator is not None else self.services.settings.speed

    @Slot()
    def refresh(self) -> None:
        if self._current() is None:  # closed or removed
            if self.timeline is not None:
                self.book_changed()
            return
        self._ensure_timeline()  # a voice or pause change is noticed here
        timeline = self.timeline
        if timeline is None or not len(timeline):
            return
        index, offset = self.position()
        speed = self.speed()
        chapter, book = timeline.chapter(index, offset), timeline.book(index, offset)
        left = book.left_s / speed
        text = (f"{format_clock(chapter.elapsed_s / speed)} / {format_clock(chapter.total_s / speed)} in chapter"
                f" · {format_duration(left)} left in book")
        measured = timeline.known_share()
        how = ("from the generated audio" if measured >= 0.999 else
               f"{measured:.0%} from generated audio, the rest estimated at {timeline.chars_per_s:.1f} "
               "characters per second")
        self.transport.set_times(text, f"Book: {format_clock(book.elapsed_s / speed)} of "
                                       f"{format_clock(book.total_s / speed)} at {speed:g}× ({how})")
        if self._saved_left is None or abs(self._saved_left - left) >= _SAVE_EVERY_S:
            self.save_time_left(left)

    def save_time_left(self, left: float | None = None) -> None:
        """What the library card shows (the store drops it with a notice when it cannot be written)."""
        opened, timeline = self._current(), self.timeline
        if opened is None or timeline is None:
            return
        if left is None:
            index, offset = self.position()
            left = timeline.book(index, offset).left_s / self.speed()
        self._saved_left = left
        self.services.library.set_book_setting(opened.book_id, TIME_LEFT_SETTING, round(left, 1))

    @Slot(int)
    def _sentence_started(self, _index: int) -> None:
        self.refresh()

    @Slot(str)
    def _state_changed(self, state: str) -> None:
        if state in ("paused", "finished"):
            self.save_time_left()

    # -- ±30 s -------------------------------------------------------------------------------------------
    def target(self, heard_s: float) -> int | None:
        """The sentence heard_s (negative: back) from what is heard now; None without a timeline yet."""
        timeline = self.timeline
        if timeline is None or not len(timeline):
            return None
        index, offset = self.position()
        return timeline.shifted(index, offset, heard_s * self.speed())

    @Slot()
    def back(self) -> None:
        self._jump(-JUMP_S)

    @Slot()
    def forward(self) -> None:
        self._jump(JUMP_S)

    def _jump(self, heard_s: float) -> None:
        target = self.target(heard_s)
        if target is None:
            self.playback.say("The book's timeline is still being measured")
            return
        self.playback.go_to(target)
        self.refresh()
