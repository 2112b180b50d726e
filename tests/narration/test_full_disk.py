"""A full disk: pregeneration stops cleanly with one message (what was stored stays, a later run resumes), and
playback goes on from memory, saying so once."""

from __future__ import annotations

import pytest

from reader_app.narration.config import wait_until
from reader_app.narration.pregen import Pregenerator
from reader_app.narration.pregen_controller import PregenController
from reader_app.store import BookCache
from tests.support.books import make_book
from tests.support.engines import ToneEngine
from tests.support.narration import FullDiskCache, Recorder, config, play_to_end


@pytest.fixture
def book():
    return make_book(n_chapters=2, per_chapter=6)


@pytest.fixture
def cache(book, tmp_path):
    cache = BookCache(tmp_path / "book.db")
    cache.sync_sentences(book)
    yield cache
    cache.close()


def test_pregen_stops_at_a_full_disk_keeps_what_it_stored_and_a_later_run_resumes(book, cache):
    engine = ToneEngine()
    full = FullDiskCache(cache, room=5)
    result = Pregenerator(book, full, config(batch_size=2), lambda: engine).run(range(2))
    assert result.error is not None and result.error.startswith("Disk full")
    assert result.generated == 5 and result.done == 5 and not result.cancelled
    assert full.refused == 1  # stopped at the first refusal, not one per remaining sentence
    assert len(engine.synthesized_texts()) <= 6  # at most the batch that hit the full disk
    keys = Pregenerator(book, cache, config(), lambda: engine).keys(range(2))
    assert len(cache.cached_digests(keys)) == 5
    assert all(cache.get_clip(key) is not None for key in keys if cache.has_clip(key))  # stored ones intact
    full.free()
    again = Pregenerator(book, full, config(batch_size=2), lambda: engine).run(range(2))
    assert again.error is None and again.generated == book.sentence_count() - 5
    assert again.done == again.total == book.sentence_count()


def test_pregen_controller_reports_a_full_disk_as_its_error(qtbot, book, cache):
    controller = PregenController()
    finished, errors = [], []
    controller.finished.connect(lambda g, f, c: finished.append((g, f, c)))
    controller.error.connect(errors.append)
    assert controller.start(book, FullDiskCache(cache, room=3), config(batch_size=2), lambda: ToneEngine(),
                            range(2))
    qtbot.waitUntil(lambda: bool(finished), timeout=10_000)
    assert finished == [(3, 0, False)]
    assert len(errors) == 1 and "Disk full" in errors[0]


def test_playback_on_a_full_disk_goes_on_from_memory_and_says_so_once(book, make_narrator):
    rec = Recorder()
    narrator, cache, out = make_narrator(book, ToneEngine(), rec, wrap_cache=lambda c: FullDiskCache(c, room=2))
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(book.sentence_count())), 10)
    assert play_to_end(narrator, out)
    assert rec.started == list(range(book.sentence_count()))
    assert rec.skipped == []
    full = [e for e in rec.errors if "Disk full" in e]
    assert len(full) == 1, rec.errors
