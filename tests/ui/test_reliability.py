"""The window when things go wrong: no model (playback ends instead of sitting on "Generating speech…"), a full disk
(one message that stays readable, playback goes on), a bad speed or volume (refused and said), a file name that
is not UTF-8 (it opens). Tone engines at the seam keep these fast."""

from __future__ import annotations

import math
import os
import shutil

import pytest

from reader_app.resources import sample_book_path
from reader_app.store import BookCache, StoreError
from reader_app.ui.main_window import MainWindow
from tests.support.engines import ToneEngine
from tests.support.ui import engine_services, open_window


def test_without_a_model_play_skips_to_the_end_and_never_sits_on_generating(qtbot, library):
    window = open_window(qtbot, engine_services(library))
    window.playback.toggle_play()
    narrator = window.controller.narrator
    qtbot.waitUntil(lambda: narrator.state == "finished", timeout=20_000)
    qtbot.waitUntil(lambda: window.transport.play_button.text() == "Play", timeout=5_000)
    assert "Generating speech" not in window.transport.status_label.text()
    assert "No voice model" in window.transport.status_label.text()
    window.close()


def test_a_full_disk_is_said_once_stays_readable_and_playback_goes_on(qtbot, library, monkeypatch):
    def full(self, key, clip, sentence_id=None):
        raise StoreError("Disk full: could not store audio for 'Alice' (free some space or lower the audio cache "
                         "limit)")

    monkeypatch.setattr(BookCache, "put_clip", full)
    window = MainWindow(engine_services(library, ToneEngine(seconds_per_char=0.002)))
    qtbot.addWidget(window)
    errors, heard = [], []
    window.controller.errorOccurred.connect(errors.append)  # before the book opens: generation starts then
    window.controller.sentenceStarted.connect(heard.append)
    window.show()
    window.open_book(sample_book_path())
    qtbot.waitUntil(lambda: window.book is not None, timeout=30_000)
    window.playback.toggle_play()
    qtbot.waitUntil(lambda: len(heard) >= 4, timeout=20_000)  # from memory
    assert heard[:4] == [0, 1, 2, 3]
    assert len([e for e in errors if "Disk full" in e]) == 1
    assert "Disk full" in window.transport.status_label.text()  # not replaced by "Playing" at once
    window.close()


@pytest.mark.parametrize("bad", [math.nan, math.inf, 99.0])
def test_a_bad_speed_or_volume_is_refused_with_a_message(qtbot, library, bad):
    services = engine_services(library)
    window = open_window(qtbot, services)
    window.playback.set_speed(bad)
    assert services.settings.speed == 1.0 and window.controller.narrator.config.speed == 1.0
    assert "speed" in window.transport.status_label.text() and str(bad) in window.transport.status_label.text()
    window.playback.set_volume(bad)
    assert services.settings.volume == 1.0
    assert "volume" in window.transport.status_label.text() and str(bad) in window.transport.status_label.text()
    window.close()


def test_a_book_whose_name_is_not_utf8_opens(qtbot, library, tmp_path):
    name = os.fsencode(tmp_path) + b"/caf\xe9.epub"
    shutil.copy(sample_book_path(), name)
    window = MainWindow(engine_services(library))
    qtbot.addWidget(window)
    window.show()
    window.open_book(os.fsdecode(name))  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: window.book is not None, timeout=30_000)
    assert [os.fsencode(r.path) for r in library.list_books()] == [name]
    window.close()


def test_a_damaged_book_cache_opens_and_the_window_says_what_the_store_did(qtbot, library):
    services = engine_services(library)
    window = open_window(qtbot, services)
    cache_path = window.cache.path
    window.close()
    with open(cache_path, "r+b") as db:  # the first 4 KB overwritten: the SQLite header is gone
        db.write(b"\xff" * 4096)
    reopened = open_window(qtbot, services)
    assert reopened.book is not None and reopened.controller.narrator is not None
    label = reopened.transport.status_label
    qtbot.waitUntil(lambda: "damaged" in label.text().lower(), timeout=10_000)
    reopened.close()


def test_the_generation_bar_stops_at_a_full_disk_and_keeps_saying_why(qtbot, library, tmp_path):
    from reader_app.books import load_book
    from reader_app.ui.pregen_panel import PregenBar
    from tests.support.narration import FullDiskCache, config

    book = load_book(sample_book_path())
    cache = BookCache(tmp_path / "book.db")
    bar = PregenBar()
    qtbot.addWidget(bar)
    try:
        assert bar.start("chapter 1", book, FullDiskCache(cache, room=2), config(batch_size=2), lambda: ToneEngine(),
                         range(1, 2))
        qtbot.waitUntil(lambda: not bar.running, timeout=10_000)
        assert bar.eta.text().startswith("Stopped: 2 generated") and "Disk full" in bar.eta.text()
    finally:
        bar.runner.wait(5)
        cache.close()
