"""The window's menus, actions and keyboard shortcuts (media keys included), built in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from reader_app.settings import ThemeName

if TYPE_CHECKING:  # main_window imports this module
    from reader_app.ui.dialogs import DialogLauncher
    from reader_app.ui.main_window import MainWindow
    from reader_app.ui.playback import PlaybackController


@dataclass
class Actions:
    """Every action by name, for tests and for enabling/disabling."""

    open: QAction
    library: QAction
    reading: QAction
    quit: QAction
    play: QAction
    prev_sentence: QAction
    next_sentence: QAction
    prev_chapter: QAction
    next_chapter: QAction
    back_30: QAction
    forward_30: QAction
    add_bookmark: QAction
    bookmarks: QAction
    history: QAction
    gen_chapter: QAction
    gen_book: QAction
    gen_cancel: QAction
    export: QAction
    find: QAction
    bigger: QAction
    smaller: QAction
    dark: QAction
    follow: QAction
    settings: QAction
    models: QAction
    voice_studio: QAction
    pronunciation: QAction
    characters: QAction


Shortcut = str | QKeySequence | QKeySequence.StandardKey | Qt.Key


def _action(window: QMainWindow, text: str, slot: Callable[..., object], shortcuts: tuple[Shortcut, ...] = (),
            checkable: bool = False) -> QAction:
    action = QAction(text, window)
    action.setShortcuts([QKeySequence(s) for s in shortcuts])
    # Window-wide, so the keys work wherever the focus is (the text, the chapter list, the transport).
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setCheckable(checkable)
    (action.toggled if checkable else action.triggered).connect(slot)
    window.addAction(action)  # shortcuts work even for actions only in a hidden menu
    return action


def build_menus(w: MainWindow, playback: PlaybackController, dialogs: DialogLauncher) -> Actions:
    """w: the window (pages, books, appearance); playback and dialogs: the objects it owns for the rest."""
    key = Qt.Key
    p, d = playback, dialogs
    a = Actions(
        open=_action(w, "&Open…", w.choose_book, (QKeySequence.StandardKey.Open,)),
        library=_action(w, "&Library", w.show_library, ("Ctrl+L",)),
        reading=_action(w, "&Reading view", w.show_reading, ("Ctrl+R",)),
        quit=_action(w, "&Quit", w.quit_app, (QKeySequence.StandardKey.Quit,)),
        play=_action(w, "&Play / Pause", p.toggle_play,
                     (key.Key_Space, key.Key_MediaPlay, key.Key_MediaTogglePlayPause, key.Key_MediaPause)),
        prev_sentence=_action(w, "Previous &sentence", p.previous_sentence, (key.Key_Left, key.Key_MediaPrevious)),
        next_sentence=_action(w, "&Next sentence", p.next_sentence, (key.Key_Right, key.Key_MediaNext)),
        prev_chapter=_action(w, "Previous &chapter", p.previous_chapter, ("Ctrl+Left", "Ctrl+Up")),
        next_chapter=_action(w, "Next c&hapter", p.next_chapter, ("Ctrl+Right", "Ctrl+Down")),
        back_30=_action(w, "&Back 30 seconds", w.listening.back, ("Shift+Left",)),
        forward_30=_action(w, "&Forward 30 seconds", w.listening.forward, ("Shift+Right",)),
        add_bookmark=_action(w, "&Add bookmark…", w.bookmarks.add_bookmark, ("Ctrl+B",)),
        bookmarks=_action(w, "&Bookmarks", lambda: w.bookmarks.show_tab(0), ("Ctrl+Shift+B",)),
        history=_action(w, "Recent &positions (history)", lambda: w.bookmarks.show_tab(1), ("Ctrl+H",)),
        gen_chapter=_action(w, "Generate audio for this &chapter", d.generate_chapter),
        gen_book=_action(w, "Generate audio for the whole &book", d.generate_book),
        gen_cancel=_action(w, "Cancel generation", d.cancel_generation),
        export=_action(w, "&Export audiobook…", d.open_export, ("Ctrl+E",)),
        find=_action(w, "&Find in book…", w.open_find, (QKeySequence.StandardKey.Find,)),
        bigger=_action(w, "&Bigger text", lambda: w.change_font_size(1),
                       (QKeySequence.StandardKey.ZoomIn, "Ctrl+=")),
        smaller=_action(w, "&Smaller text", lambda: w.change_font_size(-1), (QKeySequence.StandardKey.ZoomOut,)),
        dark=_action(w, "&Dark theme", lambda on: w.set_theme(ThemeName.DARK if on else ThemeName.LIGHT),
                     checkable=True),
        follow=_action(w, "&Follow the voice (auto-scroll)", w.set_auto_scroll, checkable=True),
        settings=_action(w, "&Settings…", d.open_settings, (QKeySequence.StandardKey.Preferences, "Ctrl+,")),
        models=_action(w, "Voice &models…", d.open_model_manager),
        voice_studio=_action(w, "Voice &studio…", d.open_voice_studio),
        pronunciation=_action(w, "&Pronunciation…", d.open_pronunciation),
        characters=_action(w, "&Characters…", w.characters.open),
    )
    bar = w.menuBar()
    for title, items in (("&File", [a.open, a.library, None, a.export, None, a.quit]),
                         ("&View", [a.reading, a.library, None, a.find, None, a.bigger, a.smaller, None, a.dark,
                                    a.follow]),
                         ("&Playback", [a.play, None, a.prev_sentence, a.next_sentence, a.back_30, a.forward_30,
                                        a.prev_chapter, a.next_chapter, None, a.gen_chapter, a.gen_book, a.gen_cancel]),
                         ("&Bookmarks", [a.add_bookmark, None, a.bookmarks, a.history]),
                         ("&Voices", [a.voice_studio, a.characters, a.pronunciation, a.models]),
                         ("&Settings", [a.settings, a.models])):
        menu = bar.addMenu(title)
        for item in items:
            if item is None:
                menu.addSeparator()
            else:
                menu.addAction(item)
    return a
