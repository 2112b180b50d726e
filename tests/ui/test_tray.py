"""The tray icon and close_to_tray on a real window. The offscreen platform has no system tray, so the test puts
the tray in place itself (what SystemIntegration does where one is available)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QCheckBox

from reader_app.settings import Settings
from reader_app.store import Library
from reader_app.ui.services import AppServices
from reader_app.ui.settings_dialog import SettingsDialog
from reader_app.ui.system.tray import ReaderTray
from tests.support.engines import ToneEngine
from tests.support.ui import engine_services, open_window, quick_settings


def _services(tmp_path, close_to_tray: bool) -> AppServices:
    return engine_services(Library(tmp_path / "library"), ToneEngine(seconds_per_char=0.002),
                           quick_settings(pause_paragraph_s=0.6, pause_chapter_s=1.5, close_to_tray=close_to_tray))


def test_close_to_tray_keeps_playing_and_quit_ends_it(qtbot, tmp_path, monkeypatch):
    quits = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quits.append(True)))
    services = _services(tmp_path, close_to_tray=True)
    window = open_window(qtbot, services)
    system = window.system
    assert system.tray is None  # offscreen: no tray, so a close would quit
    system.tray = tray = ReaderTray(system.media, system.quit)
    assert tray.play_action.text() == "Play" and tray.next_action.isEnabled()
    tray.play_action.trigger()
    qtbot.waitUntil(lambda: window.playback.playing(), timeout=20_000)
    qtbot.waitUntil(lambda: tray.play_action.text() == "Pause", timeout=5_000)
    assert "Alice" in tray.icon.toolTip()

    window.close()  # hides: playback goes on in the tray
    assert not window.isVisible() and window.controller.narrator is not None and window.playback.playing()
    chapter = system.media.now_playing().chapter
    tray.next_action.trigger()
    assert system.media.now_playing().chapter == chapter + 1
    tray.show_action.trigger()
    assert window.isVisible()

    window.hide()
    tray.quit_action.trigger()  # Quit is a real close, even with close_to_tray
    assert window.controller.narrator is None and system.tray is None and quits == [True]
    services.library.close()


def test_without_close_to_tray_a_close_closes(qtbot, tmp_path):
    services = _services(tmp_path, close_to_tray=False)
    window = open_window(qtbot, services)
    window.system.tray = ReaderTray(window.system.media, window.system.quit)
    window.close()
    assert window.controller.narrator is None
    services.library.close()


def test_the_settings_dialog_has_the_close_to_tray_checkbox(qtbot):
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    box = dialog.editors["close_to_tray"]
    assert isinstance(box, QCheckBox) and not box.isChecked()
    box.setChecked(True)
    assert dialog.edited_settings().close_to_tray is True
