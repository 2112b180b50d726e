"""What the transport, the keys and the narration signals do: play and pause, moving by sentence and chapter,
speed, volume, the sleep timer, the ready indicator, and saving the reading position.

MainWindow owns one PlaybackController; it is handed the widgets it drives and the book open in the window, so
the window module stays about layout and books.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from reader_app.narration.config import NarrationState
from reader_app.narration.controller import NarrationController
from reader_app.narration.narrator import Narrator
from reader_app.store import Position
from reader_app.ui.book_session import OpenedBook
from reader_app.ui.reading_view import ReadingView
from reader_app.ui.services import AppServices
from reader_app.ui.transport_bar import TransportBar

PLAYING_STATES = ("playing", "buffering")  # the play button shows Pause
STATE_LABELS = {"buffering": "Generating speech…", "finished": "End of book", "paused": "Paused", "playing": "Playing"}
PROBLEM_HOLD_MS = 10_000  # a problem stays in the status line this long before routine state labels replace it
PROBLEM_JOINER = " · "


def read_fraction(current: int, count: int, finished: bool = False) -> float:
    """How much of the book was heard: the sentences before the current one (a book at its first sentence is
    0% read), all of it once it played to the end."""
    return 1.0 if finished or count <= 0 else min(max(current, 0), count) / count


class PlaybackController(QObject):
    jumped = Signal(int, int)  # (from, to) sentence: a jump, not a step to the next one (history, bookmarks_panel)

    def __init__(self, services: AppServices, narration: NarrationController, reading_view: ReadingView,
                 transport: TransportBar, current: Callable[[], OpenedBook | None],
                 on_narration_error: Callable[[], None], parent: QObject | None = None) -> None:
        """current: the book open in the window (None while none is); on_narration_error: called after a
        narration error is shown in the status line (the window re-checks the model)."""
        super().__init__(parent)
        self.services = services
        self.narration = narration
        self.reading_view = reading_view
        self.text_view = reading_view.text_view
        self.transport = transport
        self._current = current
        self._on_narration_error = on_narration_error
        self.ready_timer = QTimer(self)
        self.ready_timer.setInterval(500)
        self.ready_timer.timeout.connect(self.update_ready)
        self.ready_timer.start()
        self.sleep_timer = QTimer(self)
        self.sleep_timer.setSingleShot(True)
        self.sleep_timer.timeout.connect(self.sleep_now)
        self._sleep_at_chapter: int | None = None  # pause when this chapter ends
        self._problem: str | None = None  # shown in the status line, not to be hidden by "Playing" at once
        self._problem_timer = QTimer(self)
        self._problem_timer.setSingleShot(True)
        self._problem_timer.timeout.connect(self._problem_expired)
        self._state = ""
        settings = services.settings
        transport.set_speed(settings.speed)
        transport.set_volume(settings.volume)
        self._connect()

    def _connect(self) -> None:
        t = self.transport
        t.playToggled.connect(self.toggle_play)
        t.previousSentence.connect(self.previous_sentence)
        t.nextSentence.connect(self.next_sentence)
        t.previousChapter.connect(self.previous_chapter)
        t.nextChapter.connect(self.next_chapter)
        t.positionChosen.connect(self.seek_within_chapter)
        t.speedChanged.connect(self.set_speed)
        t.volumeChanged.connect(self.set_volume)
        t.sleepChosen.connect(self.set_sleep_timer)
        self.reading_view.sentenceClicked.connect(self.play_from)
        self.reading_view.chapterChosen.connect(self.go_to_chapter)
        c = self.narration
        c.sentenceStarted.connect(self._sentence_started)
        c.stateChanged.connect(self._state_changed)
        c.errorOccurred.connect(self._narration_error)
        c.noticeOccurred.connect(t.set_status)
        c.sentenceSkipped.connect(self._sentence_skipped)

    @property
    def narrator(self) -> Narrator | None:
        return self.narration.narrator

    def apply_audio_settings(self, narrator: Narrator) -> None:
        settings = self.services.settings
        try:
            narrator.set_volume(settings.volume)
            narrator.set_speed(settings.speed)
        except ValueError as exc:  # a value out of range: the narrator keeps its own, and says why
            self.show_problem(str(exc))

    def say(self, text: str) -> None:
        """Routine news for the status line, unless a problem is being shown."""
        if self._problem is None:
            self.transport.set_status(text)

    def show_problem(self, message: str) -> None:
        """Something the user should read (a full disk, no model, a refused value): it stays in the status line
        for a while, whatever the narrator's state does meanwhile; one that comes while another is shown joins
        it (the two most recent), so neither hides the other."""
        shown = [] if self._problem is None else self._problem.split(PROBLEM_JOINER)
        if message not in shown:
            shown = [*shown, message][-2:]
        self._problem = PROBLEM_JOINER.join(shown)
        self.transport.set_status(self._problem)
        self._problem_timer.start(PROBLEM_HOLD_MS)

    def shutdown(self) -> None:
        self.ready_timer.stop()
        self.sleep_timer.stop()

    # -- where we are ------------------------------------------------------------------------------------
    def chapter_of(self, index: int) -> int:
        return self.reading_view.chapter_of(index)

    def show_sentence(self, index: int) -> None:
        opened = self._current()
        if opened is None:
            return
        book = opened.book
        view = self.reading_view
        chapter = view.chapter_of(index)
        if view.follows_voice() or view.shown_chapter() in (None, chapter):
            view.show_sentence(index)
        else:
            self.text_view.highlight(index)  # the reader is browsing elsewhere: leave the page alone
        first = view.chapter_starts[chapter]
        count = len(book.chapters[chapter].sentences)
        self.transport.set_position(view.chapter_title(chapter), index - first, count, index, book.sentence_count())

    # -- intent ------------------------------------------------------------------------------------------
    def playing(self) -> bool:
        return self.narrator is not None and self.narrator.state in PLAYING_STATES

    def go_to(self, index: int, remember: bool = True) -> None:
        """Move to a sentence: play from it if playing, else just put the cursor there. remember: the place left
        goes into the history (not for a step to the previous or next sentence)."""
        narrator, opened = self.narrator, self._current()
        if narrator is None or opened is None:
            return
        index = min(max(index, 0), opened.book.sentence_count() - 1)
        if remember:
            self._note_jump(narrator.cursor, index)
        if self.playing():
            narrator.play(index)
        else:
            narrator.seek(index)
        self.show_sentence(index)
        self.save_position()

    @Slot(int)
    def play_from(self, index: int) -> None:
        if self.narrator is None:
            return
        self._note_jump(self.narrator.cursor, index)
        self.narrator.play(index)
        self.show_sentence(index)

    def _note_jump(self, old: int, new: int) -> None:
        if new != old:
            self.jumped.emit(old, new)

    @Slot()
    def toggle_play(self) -> None:
        narrator = self.narrator
        if narrator is None:
            return
        if self.playing():
            narrator.pause()
            self.save_position()
        else:
            narrator.play()

    @Slot()
    def previous_sentence(self) -> None:
        if self.narrator is not None:
            self.go_to(self.narrator.cursor - 1, remember=False)

    @Slot()
    def next_sentence(self) -> None:
        if self.narrator is not None:
            self.go_to(self.narrator.cursor + 1, remember=False)

    @Slot()
    def previous_chapter(self) -> None:
        if self.narrator is None:
            return
        starts = self.reading_view.chapter_starts
        chapter = self.chapter_of(self.narrator.cursor)
        # Like a music player: back to this chapter's start, unless we are already (nearly) there.
        if self.narrator.cursor - starts[chapter] <= 1 and chapter > 0:
            chapter -= 1
        self.go_to_chapter(chapter)

    @Slot()
    def next_chapter(self) -> None:
        if self.narrator is not None:
            self.go_to_chapter(self.chapter_of(self.narrator.cursor) + 1)

    @Slot(int)
    def go_to_chapter(self, chapter: int) -> None:
        starts = self.reading_view.chapter_starts
        if 0 <= chapter < len(starts) and self.narrator is not None:
            self.go_to(starts[chapter])

    @Slot(int)
    def seek_within_chapter(self, within: int) -> None:
        if self.narrator is not None:
            chapter = self.chapter_of(self.narrator.cursor)
            self.go_to(self.reading_view.chapter_starts[chapter] + within)

    @Slot(float)
    def set_speed(self, speed: float) -> None:
        try:
            if self.narrator is not None:
                self.narrator.set_speed(speed)  # checked first: a refused value is neither used nor saved
            self.services.settings.speed = speed
        except ValueError as exc:
            self.transport.set_speed(self.services.settings.speed)
            self.show_problem(str(exc))
            return
        self.services.save()
        self.transport.set_speed(speed)

    @Slot(float)
    def set_volume(self, volume: float) -> None:
        try:
            if self.narrator is not None:
                self.narrator.set_volume(volume)
            self.services.settings.volume = volume
        except ValueError as exc:
            self.transport.set_volume(self.services.settings.volume)
            self.show_problem(str(exc))
            return
        self.services.save()
        self.transport.set_volume(volume)

    @Slot(int)
    def set_sleep_timer(self, minutes: int) -> None:
        self.sleep_timer.stop()
        self._sleep_at_chapter = None
        if self.narrator is not None:  # the narrator stops at the boundary, before the next heading is heard
            self.narrator.pause_at_chapter_end(minutes < 0)
        if minutes > 0:
            self.sleep_timer.start(minutes * 60_000)
            self.transport.set_status(f"Pausing in {minutes} minutes")
        elif minutes < 0 and self.narrator is not None:
            self._sleep_at_chapter = self.chapter_of(self.narrator.cursor)
            self.transport.set_status("Pausing at the end of this chapter")

    @Slot()
    def sleep_now(self) -> None:
        self._sleep_at_chapter = None
        if self.narrator is not None:
            self.narrator.pause_at_chapter_end(False)
        if self.playing():
            self.toggle_play()
        sleep = self.transport.sleep
        sleep.blockSignals(True)
        sleep.setCurrentIndex(0)
        sleep.blockSignals(False)
        self.transport.set_status("Sleep timer: paused")

    # -- narration signals ----------------------------------------------------------------------------------
    @Slot(int)
    def _sentence_started(self, index: int) -> None:
        self.show_sentence(index)
        self.save_position(index)

    @Slot(str)
    def _state_changed(self, state: str) -> None:
        self._state = state
        narrator = self.narrator
        if (state == "paused" and self._sleep_at_chapter is not None and narrator is not None
                and not narrator.pausing_at_chapter_end):  # the narrator paused at the chapter's end
            self.sleep_now()
        self.transport.set_playing(state in PLAYING_STATES)
        if self._problem is None:
            self.transport.set_status(STATE_LABELS.get(state, ""))

    @Slot()
    def _problem_expired(self) -> None:
        problem, self._problem = self._problem, None
        if self.transport.status_label.text() == problem:  # nothing else was said since: back to the state
            self.transport.set_status(STATE_LABELS.get(self._state, ""))

    @Slot(str)
    def _narration_error(self, message: str) -> None:
        self.show_problem(message)
        self._on_narration_error()

    @Slot(int, str)
    def _sentence_skipped(self, index: int, message: str) -> None:
        if self._problem is not None and message in self._problem:
            return  # skipped for the reason just shown (no model, a model that did not load): said once
        self.show_problem(f"Skipped sentence {index + 1}: {message}")

    @Slot()
    def update_ready(self) -> None:
        narrator = self.narrator
        if narrator is not None:
            self.transport.set_ready(narrator.ready_ahead_s(), narrator.config.lookahead_s or 60.0)

    def save_position(self, index: int | None = None) -> None:
        """The cursor (with the offset into the sentence being heard), or the sentence `index` that just began."""
        narrator, opened = self.narrator, self._current()
        if narrator is None or opened is None or not narrator.sentences:
            return
        offset = 0.0
        if index is None:
            index = narrator.cursor
            current = narrator.player.current()
            offset = current[1] if current else 0.0
        library = self.services.library
        library.save_position(opened.book_id, Position(narrator.sentences[index].id, offset))
        library.set_book_setting(opened.book_id, "progress", read_fraction(index, len(narrator.sentences),
                                                                        narrator.state == NarrationState.FINISHED))
