"""Time-based progress and bookmarks in the real window: the transport's chapter and book times, ±30 s by
button and key, clip lengths learnt as they are generated, the library card's time left; bookmarks with a note
(add, list, jump, delete) and the history of the places jumped away from. Tone engines at the seam."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from reader_app.narration.timing import format_clock
from reader_app.ui import bookmarks_panel
from tests.support.engines import ToneEngine
from tests.support.ui import engine_services, open_window, screens_dir

TIMES = re.compile(r"^\d+:\d\d / \d+:\d\d in chapter · \d+ (h|min|s)( \d+ min)? left in book$")


def _timed_window(qtbot, services):
    window = open_window(qtbot, services)
    qtbot.waitUntil(lambda: window.listening.timeline is not None, timeout=20_000)
    window.listening.refresh()
    return window


def test_the_transport_shows_chapter_and_book_time_and_moves_by_30_seconds(qtbot, library, tmp_path):
    services = engine_services(library)
    window = _timed_window(qtbot, services)
    label = window.transport.time_label
    assert TIMES.match(label.text()), label.text()
    assert label.text().startswith("0:00 / ")
    assert "estimated" in label.toolTip()
    narrator, timeline = window.controller.narrator, window.listening.timeline
    expected = timeline.shifted(0, 0.0, 30.0)
    assert expected > 1
    window.transport.forward_30.click()
    assert narrator.cursor == expected
    assert timeline.start(expected) <= 30.0 < timeline.start(expected + 1)
    window.listening.refresh()
    assert not label.text().startswith("0:00 / ")
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # the shortcut
    further = timeline.shifted(expected, 0.0, 30.0)
    assert narrator.cursor == further > expected
    window.transport.back_30.click()
    back = timeline.shifted(further, 0.0, -30.0)
    assert narrator.cursor == back and timeline.start(back) <= timeline.start(further) - 30.0
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert narrator.cursor == timeline.shifted(back, 0.0, -30.0) < back
    # Every one of those jumps left a place to come back to.
    history = [h.sentence_index for h in library.bookmarks.history(window.book_id)]
    assert history[:3] == [back, further, expected] and history[-1] == 0
    # Twice the speed: half the time left, and 30 s heard are 60 s of the book.
    window.playback.go_to(expected)
    left_at_1 = timeline.book(expected).left_s
    window.playback.set_speed(2.0)
    assert window.listening.target(30.0) == timeline.shifted(expected, 0.0, 60.0)
    window.listening.refresh()
    window.grab().save(str(screens_dir(tmp_path) / "transport-times.png"))
    window.show_library()
    saved = library.book_setting(window.book_id, "time_left_s")
    assert saved == pytest.approx(left_at_1 / 2, abs=1.0)
    card = window.library_view.grid.item(0).text()
    assert "left" in card.splitlines()[2], card
    window.library_view.grab().save(str(screens_dir(tmp_path) / "library-time-left.png"))
    window.close()


def test_generated_clips_replace_the_estimate_with_their_length(qtbot, library):
    engine = ToneEngine(seconds_per_char=1 / 15)  # about as fast as a voice reads
    window = _timed_window(qtbot, engine_services(library, engine))
    timeline = window.listening.timeline
    # Generation began when the book opened: what it had stored by then came from the store's durations.
    unknown = [i for i in range(8) if not timeline.is_known(i)]
    assert unknown
    window.playback.toggle_play()
    qtbot.waitUntil(lambda: timeline.is_known(unknown[0]), timeout=20_000)  # learnt from clipReady
    for i in (0, unknown[0]):
        text = window.book.sentences()[i].text
        assert timeline.clip_s(i) == pytest.approx(len(text) / 15, rel=0.05)
    qtbot.waitUntil(lambda: not window.transport.time_label.text().startswith("0:00 /"), timeout=20_000)
    window.close()


def test_bookmarks_with_a_note_and_the_history_of_jumps(qtbot, library, tmp_path, monkeypatch):
    notes = iter(["Where the rabbit appears", None])  # the second dialog is cancelled
    monkeypatch.setattr(bookmarks_panel, "ask_note", lambda parent, about: next(notes))
    window = _timed_window(qtbot, engine_services(library))
    panel, playback, narrator = window.bookmarks, window.playback, window.controller.narrator
    playback.go_to(5)
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)  # Add bookmark… (Ctrl+B)
    marks = library.bookmarks.list_for(window.book_id)
    assert [(m.sentence_index, m.note) for m in marks] == [(5, "Where the rabbit appears")]
    window.actions_.add_bookmark.trigger()  # cancelled: nothing added
    assert len(library.bookmarks.list_for(window.book_id)) == 1
    window.actions_.bookmarks.trigger()
    assert panel.isVisible() and panel.tabs.currentIndex() == 0
    item = panel.bookmark_list.item(0)
    chapter = window.reading_view.chapter_title(window.reading_view.chapter_of(5))
    assert item.text().startswith(f"{chapter} · “") and item.text().endswith("\nWhere the rabbit appears")
    playback.go_to_chapter(2)  # away, then back by the bookmark
    far = narrator.cursor
    assert far == window.reading_view.chapter_starts[2]
    panel.bookmark_list.setCurrentItem(item)
    panel.go_button.click()
    assert narrator.cursor == 5
    window.grab().save(str(screens_dir(tmp_path) / "bookmarks.png"))
    window.actions_.history.trigger()
    assert panel.tabs.currentIndex() == 1
    entries = library.bookmarks.history(window.book_id)
    assert [e.sentence_index for e in entries[:2]] == [far, 5]  # newest first
    assert panel.history_list.count() == len(entries) and "just now" in panel.history_list.item(0).text()
    panel.history_list.setCurrentRow(0)
    panel.back_button.click()
    assert narrator.cursor == far
    chapter_two = window.listening.timeline.chapter(far)
    shown = f"0:00 / {format_clock(chapter_two.total_s)} in chapter"
    qtbot.waitUntil(lambda: window.transport.time_label.text().startswith(shown))  # moved with the jump
    window.grab().save(str(screens_dir(tmp_path) / "history.png"))
    panel.tabs.setCurrentIndex(0)
    panel.bookmark_list.setCurrentRow(0)
    panel.delete_button.click()
    assert library.bookmarks.list_for(window.book_id) == [] and panel.bookmark_list.count() == 0
    playback.next_sentence()  # one sentence on: not a jump
    assert library.bookmarks.history(window.book_id)[0].sentence_index == 5
    window.close()
