"""The tray icon: Play/Pause, Next chapter, Show window, Quit, and a tooltip saying what is playing. With the
`close_to_tray` setting, closing the window hides it here and playback goes on; Quit (here or in the File menu)
ends the app."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QSystemTrayIcon

from reader_app.resources import resource_path
from reader_app.ui.system.media import PlaybackStatus, WindowMedia


def tray_icon() -> QIcon:
    icon = resource_path("icons", "app.png")
    if icon.exists():
        return QIcon(str(icon))
    style = QApplication.style()
    return style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay) if style is not None else QIcon()


class ReaderTray(QObject):
    def __init__(self, media: WindowMedia, quit_app: Callable[[], None]) -> None:
        super().__init__(media)
        self.media = media
        self.icon = QSystemTrayIcon(tray_icon(), self)
        self.menu = QMenu()
        self.play_action = QAction("Play", self.menu)
        self.next_action = QAction("Next chapter", self.menu)
        self.show_action = QAction("Show window", self.menu)
        self.quit_action = QAction("Quit", self.menu)
        self.play_action.triggered.connect(media.play_pause)
        self.next_action.triggered.connect(media.next)
        self.show_action.triggered.connect(media.raise_window)
        self.quit_action.triggered.connect(quit_app)
        for action in (self.play_action, self.next_action, None, self.show_action, None, self.quit_action):
            if action is None:
                self.menu.addSeparator()
            else:
                self.menu.addAction(action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        media.changed.connect(self.refresh)
        self.refresh()
        self.icon.show()

    @Slot()
    def refresh(self) -> None:
        now = self.media.now_playing()
        self.play_action.setText("Pause" if now.status is PlaybackStatus.PLAYING else "Play")
        self.play_action.setEnabled(now.has_book)
        self.next_action.setEnabled(now.can_go_next)
        tip = f"{now.title} — {now.chapter_title}" if now.has_book else "Reader"
        self.icon.setToolTip(f"{tip} ({now.status.lower()})" if now.has_book else tip)

    @Slot(QSystemTrayIcon.ActivationReason)
    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:  # a click: the window comes and goes
            window = self.media.window
            if window.isVisible() and not window.isMinimized():
                window.hide()
            else:
                self.media.raise_window()

    def close(self) -> None:
        self.icon.hide()
        self.menu.deleteLater()
