"""The window as a media player, for the desktop's media controls (MPRIS) and the tray icon: what is playing
(book, author, chapter), whether it plays, and the transport's actions. One place reads the window's playback
controller and narration signals, so MPRIS and the tray say and do the same thing.

A "track" is a chapter: Next and Previous move by chapter (like the Ctrl+Right/Left keys and a music player's
tracks), the title is the book's, the album is the chapter's. Stop pauses and keeps the place: an audiobook
never starts over because a headset button said Stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from reader_app.ui.playback import PLAYING_STATES

if TYPE_CHECKING:  # the window imports this package
    from reader_app.ui.main_window import MainWindow


class PlaybackStatus(StrEnum):
    """MPRIS's words for it."""

    PLAYING = "Playing"
    PAUSED = "Paused"
    STOPPED = "Stopped"


@dataclass(frozen=True)
class NowPlaying:
    """What the media controls show; `chapter` is -1 without a book."""

    status: PlaybackStatus = PlaybackStatus.STOPPED
    book_id: str = ""
    title: str = ""
    authors: tuple[str, ...] = ()
    chapter: int = -1
    chapter_title: str = ""
    chapters: int = 0
    speed: float = 1.0
    volume: float = 1.0

    @property
    def has_book(self) -> bool:
        return self.chapter >= 0

    @property
    def can_go_next(self) -> bool:
        return self.has_book and self.chapter + 1 < self.chapters


def status_of(state: str | None) -> PlaybackStatus:
    """A narrator state as MPRIS says it: buffering is playing (the listener asked for it), finished and never
    started are stopped."""
    if state in PLAYING_STATES:
        return PlaybackStatus.PLAYING
    return PlaybackStatus.PAUSED if state == "paused" else PlaybackStatus.STOPPED


class WindowMedia(QObject):
    changed = Signal()  # something in now_playing() may differ

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._last = NowPlaying()
        controller = window.controller
        controller.stateChanged.connect(self._maybe_changed)
        controller.sentenceStarted.connect(self._maybe_changed)
        window.loader.loaded.connect(self._maybe_changed)  # after the window's own slot: the book is in
        window.transport.speedChanged.connect(self._maybe_changed)
        window.transport.volumeChanged.connect(self._maybe_changed)

    def now_playing(self) -> NowPlaying:
        window, narrator = self.window, self.window.controller.narrator
        opened = window.opened
        settings = window.services.settings
        if opened is None or narrator is None:
            return NowPlaying(speed=settings.speed, volume=settings.volume)
        book, view = opened.book, window.reading_view
        chapter = view.chapter_of(narrator.cursor) if view.chapter_starts else 0
        return NowPlaying(status_of(narrator.state), opened.book_id, book.title, tuple(book.metadata.authors),
                          chapter, view.chapter_title(chapter) if book.chapters else "", len(book.chapters),
                          settings.speed, settings.volume)

    @Slot()
    def _maybe_changed(self, *_args: object) -> None:
        now = self.now_playing()
        if now != self._last:
            self._last = now
            self.changed.emit()

    # -- actions (the transport's own slots, so the window shows what was done) ----------------------------
    def play(self) -> None:
        if self.window.controller.narrator is not None and not self.window.playback.playing():
            self.window.playback.toggle_play()
        self._maybe_changed()

    def pause(self) -> None:
        if self.window.playback.playing():
            self.window.playback.toggle_play()
        self._maybe_changed()

    def play_pause(self) -> None:
        self.window.playback.toggle_play()
        self._maybe_changed()

    def stop(self) -> None:
        self.pause()  # keeps the place (see the module docstring)

    def next(self) -> None:
        self.window.playback.next_chapter()
        self._maybe_changed()

    def previous(self) -> None:
        self.window.playback.previous_chapter()
        self._maybe_changed()

    def set_speed(self, speed: float) -> None:
        self.window.playback.set_speed(speed)
        self._maybe_changed()

    def set_volume(self, volume: float) -> None:
        self.window.playback.set_volume(volume)
        self._maybe_changed()

    def raise_window(self) -> None:
        window = self.window
        window.showNormal()
        window.raise_()
        window.activateWindow()

    def open_file(self, path: str) -> None:
        self.window.open_book(Path(path))
        self.raise_window()
