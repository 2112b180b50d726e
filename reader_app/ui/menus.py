"""The window's menus, actions and keyboard shortcuts (media keys included), built in one place."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow


def _action(window: QMainWindow, text: str, slot, shortcuts=(), checkable: bool = False) -> QAction:
    action = QAction(text, window)
    action.setShortcuts([QKeySequence(s) for s in shortcuts])
    # Window-wide, so the keys work wherever the focus is (the text, the chapter list, the transport).
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setCheckable(checkable)
    (action.toggled if checkable else action.triggered).connect(slot)
    window.addAction(action)  # shortcuts work even for actions only in a hidden menu
    return action


def build_menus(w) -> SimpleNamespace:
    """w: the MainWindow. Returns the actions, by name, for tests and for enabling/disabling."""
    key = Qt.Key
    a = SimpleNamespace()
    a.open = _action(w, "&Open…", w.choose_book, [QKeySequence.StandardKey.Open])
    a.library = _action(w, "&Library", w.show_library, ["Ctrl+L"])
    a.reading = _action(w, "&Reading view", w.show_reading, ["Ctrl+R"])
    a.quit = _action(w, "&Quit", w.close, [QKeySequence.StandardKey.Quit])
    a.play = _action(w, "&Play / Pause", w.toggle_play,
                     [key.Key_Space, key.Key_MediaPlay, key.Key_MediaTogglePlayPause, key.Key_MediaPause])
    a.prev_sentence = _action(w, "Previous &sentence", w.previous_sentence, [key.Key_Left, key.Key_MediaPrevious])
    a.next_sentence = _action(w, "&Next sentence", w.next_sentence, [key.Key_Right, key.Key_MediaNext])
    a.prev_chapter = _action(w, "Previous &chapter", w.previous_chapter, ["Ctrl+Left", "Ctrl+Up"])
    a.next_chapter = _action(w, "Next c&hapter", w.next_chapter, ["Ctrl+Right", "Ctrl+Down"])
    a.gen_chapter = _action(w, "Generate audio for this &chapter", w.generate_chapter)
    a.gen_book = _action(w, "Generate audio for the whole &book", w.generate_book)
    a.gen_cancel = _action(w, "Cancel generation", w.cancel_generation)
    a.find = _action(w, "&Find in book…", w.open_find, [QKeySequence.StandardKey.Find])
    a.bigger = _action(w, "&Bigger text", lambda: w.change_font_size(1), [QKeySequence.StandardKey.ZoomIn, "Ctrl+="])
    a.smaller = _action(w, "&Smaller text", lambda: w.change_font_size(-1), [QKeySequence.StandardKey.ZoomOut])
    a.dark = _action(w, "&Dark theme", lambda on: w.set_theme("dark" if on else "light"), checkable=True)
    a.follow = _action(w, "&Follow the voice (auto-scroll)", w.set_auto_scroll, checkable=True)
    a.settings = _action(w, "&Settings…", w.open_settings, [QKeySequence.StandardKey.Preferences, "Ctrl+,"])
    a.models = _action(w, "Voice &models…", w.open_model_manager)
    a.voice_studio = _action(w, "Voice &studio…", w.open_voice_studio)

    bar = w.menuBar()
    for title, items in (("&File", [a.open, a.library, None, a.quit]),
                         ("&View", [a.reading, a.library, None, a.find, None, a.bigger, a.smaller, None, a.dark,
                                    a.follow]),
                         ("&Playback", [a.play, None, a.prev_sentence, a.next_sentence, a.prev_chapter,
                                        a.next_chapter, None, a.gen_chapter, a.gen_book, a.gen_cancel]),
                         ("&Voices", [a.voice_studio, a.models]),
                         ("&Settings", [a.settings, a.models])):
        menu = bar.addMenu(title)
        for item in items:
            menu.addSeparator() if item is None else menu.addAction(item)
    return a
