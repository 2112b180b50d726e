"""The window's playback behaviour: what the transport, the keys and the narration signals do.

A mixin of MainWindow (kept apart so the window module stays about layout and books)."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Slot

from reader_app.store import Position


class PlaybackMixin:
    def _init_playback(self) -> None:
        self._ready_timer = QTimer(self)
        self._ready_timer.setInterval(500)
        self._ready_timer.timeout.connect(self._update_ready)
        self._ready_timer.start()
        self._sleep_timer = QTimer(self)
        self._sleep_timer.setSingleShot(True)
        self._sleep_timer.timeout.connect(self._sleep_now)
        self._sleep_at_chapter: int | None = None  # pause when this chapter ends
        settings = self.services.settings
        self.transport.set_speed(settings.speed)
        self.transport.set_volume(settings.volume)

    def _connect_narration(self) -> None:
        c = self.controller
        c.sentenceStarted.connect(self._sentence_started)
        c.stateChanged.connect(self._state_changed)
        c.errorOccurred.connect(self._narration_error)
        c.noticeOccurred.connect(self.transport.set_status)
        c.sentenceSkipped.connect(
            lambda index, message: self.transport.set_status(f"Skipped sentence {index + 1}: {message}"))

    @property
    def narrator(self):
        return self.controller.narrator

    def _apply_audio_settings(self, narrator) -> None:
        settings = self.services.settings
        if hasattr(narrator, "set_volume"):
            narrator.set_volume(settings.volume)
        else:
            narrator.player.set_volume(settings.volume)
        if hasattr(narrator, "set_speed"):  # added by the narration package; 1.0 until then
            narrator.set_speed(settings.speed)

    # -- where we are ------------------------------------------------------------------------------------
    def chapter_of(self, index: int) -> int:
        return self.reading_view.chapter_of(index)

    def _show_sentence(self, index: int) -> None:
        if self.book is None:
            return
        view = self.reading_view
        chapter = view.chapter_of(index)
        if self.text_view.auto_scroll or view.shown_chapter() in (None, chapter):
            view.show_sentence(index)
        else:
            self.text_view.highlight(index)  # the reader is browsing elsewhere: leave the page alone
        first = view.chapter_starts[chapter]
        count = len(self.book.chapters[chapter].sentences)
        self.transport.set_position(view.chapter_title(chapter), index - first, count, index,
                                    self.book.sentence_count())

    # -- intent ------------------------------------------------------------------------------------------
    def _playing(self) -> bool:
        return self.narrator is not None and self.narrator.state in ("playing", "buffering")

    def go_to(self, index: int) -> None:
        """Move to a sentence: play from it if playing, else just put the cursor there."""
        narrator = self.narrator
        if narrator is None or self.book is None:
            return
        index = min(max(index, 0), self.book.sentence_count() - 1)
        if self._playing():
            narrator.play(index)
        else:
            narrator.seek(index)
        self._show_sentence(index)
        self._save_position()

    @Slot(int)
    def play_from(self, index: int) -> None:
        if self.narrator is None:
            return
        self.narrator.play(index)
        self._show_sentence(index)

    @Slot()
    def toggle_play(self) -> None:
        narrator = self.narrator
        if narrator is None:
            return
        if self._playing():
            narrator.pause()
            self._save_position()
        else:
            narrator.play()

    @Slot()
    def previous_sentence(self) -> None:
        if self.narrator is not None:
            self.go_to(self.narrator.cursor - 1)

    @Slot()
    def next_sentence(self) -> None:
        if self.narrator is not None:
            self.go_to(self.narrator.cursor + 1)

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
        self.services.settings.speed = speed
        self.services.save()
        self.transport.set_speed(speed)
        narrator = self.narrator
        if narrator is not None and hasattr(narrator, "set_speed"):
            narrator.set_speed(speed)
        elif narrator is not None and speed != 1.0:
            self.transport.set_status("Speed changes need a newer narration module; saved for later.")

    @Slot(float)
    def set_volume(self, volume: float) -> None:
        self.services.settings.volume = volume
        self.services.save()
        self.transport.set_volume(volume)
        if self.narrator is not None:
            self._apply_audio_settings(self.narrator)

    @Slot(int)
    def set_sleep_timer(self, minutes: int) -> None:
        self._sleep_timer.stop()
        self._sleep_at_chapter = None
        if minutes > 0:
            self._sleep_timer.start(minutes * 60_000)
            self.transport.set_status(f"Pausing in {minutes} minutes")
        elif minutes < 0 and self.narrator is not None:
            self._sleep_at_chapter = self.chapter_of(self.narrator.cursor)
            self.transport.set_status("Pausing at the end of this chapter")

    @Slot()
    def _sleep_now(self) -> None:
        self._sleep_at_chapter = None
        if self._playing():
            self.toggle_play()
        self.transport.sleep.blockSignals(True)
        self.transport.sleep.setCurrentIndex(0)
        self.transport.sleep.blockSignals(False)
        self.transport.set_status("Sleep timer: paused")

    # -- narration signals ----------------------------------------------------------------------------------
    @Slot(int)
    def _sentence_started(self, index: int) -> None:
        if self._sleep_at_chapter is not None and self.chapter_of(index) != self._sleep_at_chapter:
            self._sleep_now()
        self._show_sentence(index)
        self._save_position(index)

    @Slot(str)
    def _state_changed(self, state: str) -> None:
        self.transport.set_playing(state in ("playing", "buffering"))
        labels = {"buffering": "Generating speech…", "finished": "End of book", "paused": "Paused",
                  "playing": "Playing"}
        self.transport.set_status(labels.get(state, ""))

    @Slot(str)
    def _narration_error(self, message: str) -> None:
        self.transport.set_status(message)
        self.refresh_model_notice()

    @Slot()
    def _update_ready(self) -> None:
        narrator = self.narrator
        if narrator is not None:
            self.transport.set_ready(narrator.ready_ahead_s(), narrator.config.lookahead_s or 60.0)

    def _save_position(self, index: int | None = None) -> None:
        narrator = self.narrator
        if narrator is None or self.book is None or self.book_id is None or not narrator.sentences:
            return
        offset = 0.0
        if index is None:
            index = narrator.cursor
            current = narrator.player.current()
            offset = current[1] if current else 0.0
        library = self.services.library
        library.save_position(self.book_id, Position(narrator.sentences[index].id, offset))
        library.set_book_setting(self.book_id, "progress", (index + 1) / len(narrator.sentences))
