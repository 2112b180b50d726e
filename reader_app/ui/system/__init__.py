"""The desktop around the window: media controls over MPRIS (Linux) and the tray icon.

`SystemIntegration(window)` sets up what this desktop offers and says, in one debug line each, what it does not
(no session bus, no system tray). The window asks it whether a close should only hide the window
(`close_to_tray`) and tells it when the app really quits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from reader_app.ui.system.media import WindowMedia
from reader_app.ui.system.tray import ReaderTray

if TYPE_CHECKING:
    from reader_app.ui.main_window import MainWindow
    from reader_app.ui.system.mpris import MprisService

log = logging.getLogger(__name__)


class SystemIntegration(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.quitting = False  # Quit was chosen: a close is a close, whatever close_to_tray says
        self.media = WindowMedia(window)
        self.mpris: MprisService | None = _start_mpris(self.media, self.quit)
        self.tray: ReaderTray | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = ReaderTray(self.media, self.quit)
        else:
            log.debug("no system tray on this desktop: no tray icon, and closing the window quits")

    def hide_instead_of_closing(self) -> bool:
        """close_to_tray: the window hides and playback goes on (True), unless Quit was chosen or there is no
        tray to come back from."""
        if self.quitting or self.tray is None or not self.window.services.settings.close_to_tray:
            return False
        self.window.hide()
        return True

    def quit(self) -> None:
        """Quit for real (the tray's and the File menu's Quit, MPRIS Quit)."""
        self.quitting = True
        hidden = not self.window.isVisible()
        self.window.close()
        if hidden:  # closing a hidden window does not end the app by itself
            QApplication.quit()

    def shutdown(self) -> None:
        """The window is closing: off the bus, out of the tray."""
        if self.mpris is not None:
            self.mpris.stop()
            self.mpris = None
        if self.tray is not None:
            self.tray.close()
            self.tray = None


def _start_mpris(media: WindowMedia, quit_app: Callable[[], None]) -> MprisService | None:
    try:
        import PySide6.QtDBus  # noqa: F401 - an optional part of Qt: some builds have no D-Bus module
    except ImportError as exc:
        log.debug("MPRIS: PySide6.QtDBus is not available (%s); media controls are off", exc)
        return None
    from reader_app.ui.system import mpris

    return mpris.start(media, quit_app)
