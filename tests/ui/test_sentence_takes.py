"""Regenerating a sentence in the real window: the sentence's context menu (regenerate, try 3 takes, mark as bad),
the takes dialog with a Play button per take, the key for the sentence being heard, and "Regenerate marked
sentences"; each kept take reaches the narrator (only that sentence's key changes). Screenshots of the menu and the
dialog go to READER_APP_TEST_SCREENS when it is set. A tone engine whose takes sound apart, at the seam."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPainter, QTextCursor

from tests.support.engines import TakeToneEngine
from tests.support.ui import engine_services, open_window, screens_dir


def _sentence_point(view, index: int) -> QPoint:
    slot = index - view._indices[0]
    cursor = QTextCursor(view.document())
    cursor.setPosition(view._starts[slot] + 2)
    return view.cursorRect(cursor).center()


def test_context_menu_regenerates_tries_takes_and_marks_bad(qtbot, library, tmp_path):
    engine = TakeToneEngine()
    window = open_window(qtbot, engine_services(library, engine))
    window.resize(1100, 720)
    takes, narrator, view = window.takes, window.controller.narrator, window.text_view
    index = 2
    window.reading_view.show_sentence(index)
    before = [narrator.key_for(i) for i in range(window.book.sentence_count())]
    sid = window.book.sentences()[index].id

    menu = takes.sentence_menu(index)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[:3] == ["Regenerate this sentence", "Try 3 takes…", "Mark as bad"]
    assert any("Copy" in t for t in texts[3:])  # the page's own menu is still there
    assert view.sentence_at(view.cursorForPosition(_sentence_point(view, index)).position()) == index
    at = view.viewport().mapTo(window, _sentence_point(view, index))
    menu.popup(window.mapToGlobal(at))
    qtbot.waitUntil(menu.isVisible, timeout=5_000)
    shot = window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(window.mapFromGlobal(menu.pos()), menu.grab())
    painter.end()
    assert shot.save(str(screens_dir(tmp_path) / "sentence_menu.png"))
    menu.hide()

    with qtbot.waitSignal(takes.kept, timeout=20_000):
        menu.actions()[0].trigger()  # Regenerate this sentence
    assert 1 in engine.takes and window.cache.takes.get(sid).kept == 1
    after = [narrator.key_for(i) for i in range(len(before))]
    assert [i for i in range(len(before)) if after[i] != before[i]] == [index]
    assert narrator.cursor == index  # played again: the new take is heard

    with qtbot.waitSignal(takes.dialogOpened, timeout=20_000) as opened:
        takes.try_takes(index)
    dialog = opened.args[0]
    assert sorted(dialog.play_buttons) == [0, 1, 2, 3, 4] and dialog.chosen() == 4
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    assert dialog.grab().save(str(screens_dir(tmp_path) / "takes_dialog.png"))
    dialog.play_buttons[3].click()
    assert "Playing take 3" in dialog.status.text() and dialog.chosen() == 3
    with qtbot.waitSignal(takes.kept, timeout=10_000):
        dialog.keep_button.click()
    assert window.cache.takes.get(sid).kept == 3
    assert narrator.key_for(index) == takes._maker(need_engine=False).key(index, 3)

    with qtbot.waitSignal(takes.marked, timeout=5_000):
        takes.sentence_menu(index + 1).actions()[2].trigger()  # Mark as bad
    assert window.cache.takes.marked() == [window.book.sentences()[index + 1].id]
    with qtbot.waitSignal(takes.kept, timeout=20_000):
        takes.regenerate_marked_action.trigger()
    assert window.cache.takes.marked() == []


def test_the_key_regenerates_the_sentence_being_heard(qtbot, library):
    engine = TakeToneEngine()
    window = open_window(qtbot, engine_services(library, engine))
    narrator = window.controller.narrator
    narrator.seek(1)
    key = window.takes.regenerate_heard.shortcuts()[0]
    assert key.toString() == "Ctrl+Shift+R"
    window.activateWindow()
    with qtbot.waitSignal(window.takes.kept, timeout=20_000) as kept:
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert kept.args == [1]
    assert window.cache.takes.get(window.book.sentences()[1].id).kept == 1
    assert narrator.cursor == 1 and narrator.key_for(1).settings != ()
