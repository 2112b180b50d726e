"""Regenerating one sentence: a new take replaces exactly that sentence's clip key in the narrator's plan and the
player plays the new take; a sentence marked bad is made anew when narration reaches it; the session reads the
kept takes from the book's cache; pregeneration and the narrator ask the engine for the take."""

from __future__ import annotations

import dataclasses

import numpy as np

from reader_app.narration.config import NarrationState, wait_until
from reader_app.narration.rendering import StudioChoices
from reader_app.narration.session import book_narration_config
from reader_app.narration.takes import TakeMaker
from reader_app.settings import Settings
from reader_app.store import Library
from tests.support.books import make_book
from tests.support.engines import TakeToneEngine
from tests.support.engines import take_tone as tone
from tests.support.narration import Recorder, settle


def _book():
    return make_book([[["One fish.", "Two fish."], ["Red fish."]], [["Two fish.", "The end."]]])


def _kept(narrator, cache) -> None:
    """What the window does once a take is kept: the narrator's config gets the book's kept takes."""
    studio = dataclasses.replace(narrator.config.studio, takes=cache.takes.kept())
    narrator.set_config(dataclasses.replace(narrator.config, studio=studio))


def _heard_from(narrator, out, index: int, seconds: float) -> np.ndarray:
    narrator.play(index)
    heard = []
    for _ in range(int(seconds / 0.1)):
        settle(lambda: narrator.player.queued_seconds() > 0.1 or narrator.state is NarrationState.FINISHED, 2)
        heard.append(out.pump(0.1))
    narrator.pause()
    return np.concatenate(heard)


def test_a_new_take_replaces_exactly_one_clip_key_and_is_played(make_narrator):
    book = _book()
    engine, rec = TakeToneEngine(), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec)
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(book.sentence_count())), 10)
    before = [narrator.key_for(i) for i in range(book.sentence_count())]

    result = TakeMaker(book, cache, narrator.config, lambda: engine).make(1)
    assert (result.takes, result.kept, result.made) == ([1], 1, 2)
    assert engine.takes[-1] == 1
    calls = len(engine.calls)
    _kept(narrator, cache)
    after = [narrator.key_for(i) for i in range(book.sentence_count())]
    # Only sentence 1 changes: sentence 3 has the same text but is another sentence, and keeps its take.
    assert [i for i in range(len(after)) if after[i] != before[i]] == [1]
    assert cache.has_clip(after[1]) and cache.has_clip(before[1])  # both takes stay cached
    assert narrator.is_ready(1)

    heard = _heard_from(narrator, out, 1, 1.0)
    new, old = tone("Two fish.", 1).samples, tone("Two fish.", 0).samples
    start = int(np.flatnonzero(heard)[0])
    played = heard[start:start + len(new)]  # the first sentence heard, through the cache's lossy codec
    assert np.corrcoef(played, new)[0, 1] > 0.95 and abs(np.corrcoef(played, old)[0, 1]) < 0.5
    assert len(engine.calls) == calls  # played from the cache, not made again

    TakeMaker(book, cache, narrator.config, None).keep(1, 0)  # back to the original: its key and clip again
    _kept(narrator, cache)
    assert [narrator.key_for(i) for i in range(book.sentence_count())] == before


def test_a_sentence_marked_bad_is_made_anew_when_narration_reaches_it(make_narrator):
    book = _book()
    engine, rec = TakeToneEngine(), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec)
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(book.sentence_count())), 10)
    maker = TakeMaker(book, cache, narrator.config, lambda: engine)
    record = maker.mark_bad(4)
    assert record.marked_bad and record.kept == 1 and maker.marked_indices() == [4]
    _kept(narrator, cache)
    # The replacement's clip does not exist yet: the narrator generates it like any missing clip.
    assert wait_until(lambda: narrator.is_ready(4), 10)
    assert engine.takes[-1] == 1 and engine.calls[-1] == ["The end."]
    assert maker.regenerate_marked() == [4]  # already made by narration: only settled
    assert engine.calls[-1] == ["The end."] and len([t for t in engine.takes if t]) == 1
    assert maker.marked_indices() == []


def test_regenerate_marked_makes_what_narration_did_not_reach(tmp_path):
    book = _book()
    engine = TakeToneEngine()
    with Library(tmp_path) as lib, lib.open_book_cache(book) as cache:
        from tests.support.narration import config

        maker = TakeMaker(book, cache, config(), lambda: engine)
        maker.mark_bad(0)
        maker.mark_bad(2)
        assert maker.regenerate_marked() == [0, 2]
        assert engine.takes == [1, 1] and maker.marked_indices() == []
        assert cache.has_clip(maker.key(0, 1)) and cache.has_clip(maker.key(2, 1))


def test_the_session_reads_the_kept_takes_from_the_books_cache(tmp_path):
    book = _book()
    with Library(tmp_path) as lib:
        lib.add_book(book)
        with lib.open_book_cache(book) as cache:
            sid = book.sentences()[2].id
            cache.takes.reserve(sid, 2)
            cache.takes.keep(sid, 2)
        config = book_narration_config(Settings(), lib, book, None)
        assert config.studio.takes == {sid: 2}
        plain = dataclasses.replace(config, studio=StudioChoices())
        from reader_app.narration.plan import NarrationPlan

        keyed, unkeyed = (NarrationPlan(book.sentences(), c, lambda _keys: set()) for c in (config, plain))
        assert [i for i in range(len(keyed)) if keyed.keys[i] != unkeyed.keys[i]] == [2]
        assert keyed.request(2).take == 2  # the engine is asked for that take
