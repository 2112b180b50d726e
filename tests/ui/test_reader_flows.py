"""The main reader flows, driven through the real window offscreen: open (dialog, drop), play, click a sentence,
chapters, speed, theme, find, library remove, pregeneration."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QPalette, QTextCursor
from PySide6.QtWidgets import QApplication, QMessageBox

from reader_app.resources import sample_book_path
from tests.support.ui import open_window


def click_sentence(qtbot, view, index: int) -> None:
    slot = view._indices.index(index)
    cursor = QTextCursor(view.document())
    cursor.setPosition(view._starts[slot] + 2)
    view.ensure_visible(slot)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.cursorRect(cursor).center())


def test_open_by_dialog_play_and_click_a_sentence(qtbot, shared_services, monkeypatch):
    from reader_app.ui.main_window import MainWindow

    monkeypatch.setattr("reader_app.ui.main_window.QFileDialog.getOpenFileName",
                        lambda *args, **kwargs: (str(sample_book_path()), ""))
    window = MainWindow(shared_services)
    qtbot.addWidget(window)
    window.show()
    window.actions_.open.trigger()  # Ctrl+O
    qtbot.waitUntil(lambda: window.book is not None, timeout=30_000)
    assert window.stack.currentWidget() is window.reading_page
    assert window.reading_view.chapter_list.count() == 3
    heard: list[int] = []
    window.controller.sentenceStarted.connect(heard.append)
    target = 4 + 3  # chapter I, fourth sentence
    window.playback.go_to_chapter(1)
    assert window.controller.narrator.cursor == 4 and window.reading_view.chapter_list.currentRow() == 1
    click_sentence(qtbot, window.text_view, target)
    qtbot.waitUntil(lambda: target in heard, timeout=60_000)
    assert window.text_view.highlighted_sentence() in heard and window.transport.play_button.text() == "Pause"
    assert "4 / 80" in window.transport.position_label.text() or heard[-1] != target
    window.playback.toggle_play()
    qtbot.waitUntil(lambda: window.transport.play_button.text() == "Play", timeout=5_000)
    window.close()


def test_chapter_and_sentence_navigation_with_keys(qtbot, shared_services):
    window = open_window(qtbot, shared_services)
    narrator = window.controller.narrator
    window.playback.go_to(0)
    window.actions_.next_chapter.trigger()
    assert narrator.cursor == 4 and window.reading_view.shown_chapter() == 1
    window.actions_.next_sentence.trigger()
    window.actions_.next_sentence.trigger()
    assert narrator.cursor == 6 and window.text_view.highlighted_sentence() == 6
    assert window.transport.slider.value() == 2
    window.actions_.prev_sentence.trigger()
    assert narrator.cursor == 5
    window.transport.positionChosen.emit(10)  # the position slider
    assert narrator.cursor == 14
    window.actions_.prev_chapter.trigger()  # back to this chapter's start first
    assert narrator.cursor == 4
    window.actions_.prev_chapter.trigger()
    assert narrator.cursor == 0
    window.reading_view.chapter_list.setCurrentRow(2)  # the sidebar
    assert narrator.cursor == 84 and window.reading_view.shown_chapter() == 2
    # Media keys and Space are bound.
    play_keys = [k.toString() for k in window.actions_.play.shortcuts()]
    assert "Space" in play_keys and any("Media" in k or "Play" in k for k in play_keys)
    window.close()


def test_speed_volume_sleep_and_ready_indicator(qtbot, shared_services):
    window = open_window(qtbot, shared_services)
    speeds = []
    narrator = window.controller.narrator
    original = narrator.set_speed
    narrator.set_speed = lambda s: (speeds.append(s), original(s))
    window.transport.speed.setCurrentIndex(window.transport.speed.findData(1.5))
    assert shared_services.settings.speed == 1.5
    assert speeds == [1.5]
    window.transport.volume.setValue(40)
    assert abs(shared_services.settings.volume - 0.4) < 1e-9
    assert abs(narrator.player.volume - 0.4) < 1e-9
    window.transport.sleep.setCurrentIndex(window.transport.sleep.findData(15))
    assert window.playback.sleep_timer.isActive() and window.playback.sleep_timer.interval() == 15 * 60_000
    window.playback.sleep_now()
    assert window.transport.sleep.currentIndex() == 0 and narrator.state != "playing"
    window.transport.set_ready(12.4, 60)
    assert window.transport.ready.format() == "12 s ready"
    window.transport.speed.setCurrentIndex(window.transport.speed.findData(1.0))
    window.close()


def test_switch_theme_and_font_size(qtbot, shared_services):
    window = open_window(qtbot, shared_services)
    app = QApplication.instance()
    window.actions_.dark.trigger()
    assert shared_services.settings.theme == "dark"
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 60
    assert app.palette().color(QPalette.ColorRole.Base).lightness() < 60
    window.actions_.dark.trigger()
    assert shared_services.settings.theme == "light"
    assert app.palette().color(QPalette.ColorRole.Window).lightness() > 200
    size = shared_services.settings.font_size
    window.actions_.bigger.trigger()
    assert shared_services.settings.font_size == size + 1 and window.reading_view.font_size == size + 1
    window.actions_.smaller.trigger()
    window.actions_.follow.trigger()  # auto-scroll off
    assert window.text_view.auto_scroll is False
    window.actions_.follow.trigger()
    assert window.text_view.auto_scroll is True
    window.close()


def test_find_in_book(qtbot, shared_services):
    window = open_window(qtbot, shared_services)
    window.actions_.find.trigger()
    bar = window.reading_view.find_bar
    assert bar.isVisible()
    qtbot.keyClicks(bar.field, "rabbit")
    assert len(bar.hits) > 3 and bar.count.text() == f"1 of {len(bar.hits)}"
    first = bar.hits[0][0]
    assert window.reading_view.shown_chapter() == window.playback.chapter_of(first)
    assert "rabbit" in window.book.sentences()[first].text.lower()
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.current == 1
    bar.close_bar()
    assert not bar.isVisible() and window.text_view._found is None
    window.close()


def test_drop_a_book_and_remove_it_from_the_library(qtbot, shared_services, monkeypatch, tmp_path):
    book = tmp_path / "short story.txt"
    book.write_text("A Short Story\n\nIt was a quiet night. Nothing happened at all.\n\nThe end.\n", encoding="utf-8")
    window = open_window(qtbot, shared_services)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(book))])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: window.book is not None and window.book.path.name == book.name, timeout=30_000)
    window.show_library()
    view = window.library_view
    assert window.stack.currentWidget() is view
    titles = [view.grid.item(i).text().splitlines()[0] for i in range(view.grid.count())]
    assert "Alice's Adventures in Wonderland" in titles and len(titles) == 2
    assert "read" in view.grid.item(0).text()
    monkeypatch.setattr("reader_app.ui.library_view.QMessageBox.question",
                        lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    view.select(window.book_id)
    view.remove_button.click()
    assert window.book is None and view.grid.count() == 1
    assert len(shared_services.library.list_books()) == 1
    window.close()


def test_generate_a_chapter_then_cancel_a_whole_book(qtbot, shared_services):
    window = open_window(qtbot, shared_services)
    window.playback.go_to(0)
    bar = window.pregen
    finished = []
    bar.runner.finished.connect(lambda *args: finished.append(args))
    window.actions_.gen_chapter.trigger()
    assert bar.isVisible()
    qtbot.waitUntil(lambda: bool(finished), timeout=60_000)
    generated, failed, cancelled = finished[0]
    assert not cancelled and failed == 0
    assert bar.bar.value() == bar.bar.maximum() == 4 and "Finished" in bar.eta.text()
    window.actions_.gen_book.trigger()
    window.actions_.gen_cancel.trigger()
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=60_000)
    assert finished[1][2] is True and "Cancelled" in bar.eta.text()
    window.close()


def test_device_lost_then_back_shows_both_in_the_status_line(qtbot, shared_services):
    """The narrator's player falls back to silence when the device goes, and Play finds it again."""
    from reader_app.audio.output import ManualOutput

    window = open_window(qtbot, shared_services)
    player = window.controller.narrator.player
    device, back = ManualOutput(24_000, 480), ManualOutput(24_000, 480)
    player.output, player._on_fallback = device, False  # as if a sound card had been opened
    device.on_lost = player._output_lost
    player.reopen = lambda: back
    window.playback.toggle_play()
    device.report_lost("The audio device stopped (unplugged or taken by another program).")
    qtbot.waitUntil(lambda: "continues without sound" in window.transport.status_label.text(), timeout=5_000)
    window.playback.toggle_play()  # pause
    qtbot.waitUntil(lambda: window.transport.play_button.text() == "Play", timeout=5_000)
    window.playback.toggle_play()  # play: the device is back
    qtbot.waitUntil(lambda: "Sound is back" in window.transport.status_label.text(), timeout=5_000)
    assert player.output is back and back.active
    window.playback.toggle_play()
    window.close()
