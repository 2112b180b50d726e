"""'Sleep at the end of the chapter': the narrator pauses at the chapter boundary, before the next chapter's first
sentence (its heading) is heard, on a virtual clock with a tone engine."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from reader_app.narration.config import NarrationState, wait_until
from reader_app.narration.narrator import CHAPTER_END_NOTICE
from tests.support.books import make_book
from tests.support.engines import StreamingToneEngine, ToneEngine
from tests.support.narration import Recorder, settle


@pytest.fixture
def book():
    return make_book([
        [["One fish.", "Two fish."], ["Red fish."]],  # 0-2
        [["Chapter Two."], ["A second chapter begins.", "It goes on."]],  # 3-5: 3 is the heading
        [["Chapter Three."], ["The end."]],  # 6-7
    ])


def pump_until(narrator, out, done: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    """Tick the virtual clock until done(), for at most timeout_s of wall time (a hang fails fast)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if done():
            return True
        settle(lambda: narrator.player.queued_seconds() > 0.1 or done(), 0.2)
        out.pump(0.05)
    return done()


def all_ready(narrator, count: int) -> bool:
    return all(narrator.is_ready(i) for i in range(count))


def test_pauses_before_the_next_chapters_heading_and_play_goes_on_from_it(book, make_narrator):
    rec = Recorder()
    narrator, _cache, out = make_narrator(book, ToneEngine(), rec)
    assert wait_until(lambda: all_ready(narrator, book.sentence_count()), 10)
    narrator.pause_at_chapter_end()
    narrator.play()
    assert pump_until(narrator, out, lambda: narrator.state is NarrationState.PAUSED)
    for _ in range(20):  # time goes on: nothing more is heard while paused
        out.pump(0.1)
    assert rec.started == [0, 1, 2]  # the heading of chapter 2 (sentence 3) was never started
    assert rec.states[-1] is NarrationState.PAUSED and NarrationState.BUFFERING not in rec.states
    assert rec.notices == [CHAPTER_END_NOTICE]
    assert not narrator.pausing_at_chapter_end  # reached: once
    narrator.play()
    assert pump_until(narrator, out, lambda: narrator.state is NarrationState.FINISHED)
    assert rec.started == list(range(book.sentence_count()))  # from the heading on, to the end of the book


def test_a_heading_already_queued_is_taken_back(book, make_narrator):
    rec = Recorder()
    # The feeder runs far ahead of the ear: the heading is on the player's queue before the choice is made.
    narrator, _cache, out = make_narrator(book, ToneEngine(), rec, feed_ahead_s=30.0)
    assert wait_until(lambda: all_ready(narrator, book.sentence_count()), 10)
    narrator.play()
    assert pump_until(narrator, out, lambda: 1 in rec.started)
    assert wait_until(lambda: any(item.index >= 3 for item in narrator.player.queued_ids()), 5)
    narrator.pause_at_chapter_end()
    assert pump_until(narrator, out, lambda: narrator.state is NarrationState.PAUSED)
    assert rec.started == [0, 1, 2]


def test_it_follows_a_seek_and_the_end_of_the_book_is_not_a_boundary(book, make_narrator):
    rec = Recorder()
    narrator, _cache, out = make_narrator(book, ToneEngine(), rec)
    assert wait_until(lambda: all_ready(narrator, book.sentence_count()), 10)
    narrator.pause_at_chapter_end()
    narrator.play(3)  # chapter 2: the pause moves to its end
    assert pump_until(narrator, out, lambda: narrator.state is NarrationState.PAUSED)
    assert rec.started == [3, 4, 5]
    narrator.pause_at_chapter_end()
    narrator.play()  # the last chapter: it plays to the end of the book, which finishes as always
    assert pump_until(narrator, out, lambda: narrator.state is NarrationState.FINISHED)
    assert rec.started == [3, 4, 5, 6, 7]


def test_turned_off_it_plays_on(book, make_narrator):
    rec = Recorder()
    narrator, _cache, out = make_narrator(book, ToneEngine(), rec)
    assert wait_until(lambda: all_ready(narrator, book.sentence_count()), 10)
    narrator.pause_at_chapter_end()
    narrator.pause_at_chapter_end(False)
    narrator.play()
    assert pump_until(narrator, out, lambda: narrator.state is NarrationState.FINISHED)
    assert rec.started == list(range(book.sentence_count())) and rec.notices == []


def test_a_streamed_heading_is_not_played_past_the_boundary(book, make_narrator):
    rec = Recorder()
    engine = StreamingToneEngine(chunk_s=0.1)
    narrator, _cache, out = make_narrator(book, engine, rec, lookahead_s=0.5, batch_size=1)
    narrator.pause_at_chapter_end()
    narrator.play()
    assert pump_until(narrator, out, lambda: narrator.state is NarrationState.PAUSED, timeout_s=20)
    for _ in range(20):
        out.pump(0.1)
    assert rec.started == [0, 1, 2]
