"""Narrator logic on a virtual clock (ManualOutput) with a real SQLite book cache."""

import numpy as np
import pytest

from reader_app.audio.output import ManualOutput
from reader_app.narration.narrator import NarrationConfig, Narrator, wait_until
from reader_app.store import BookCache
from reader_app.tts.engine import VoiceSpec
from tests.helpers import ToneEngine, make_book

SR = 24_000


class Recorder:
    def __init__(self):
        self.started, self.ready, self.states, self.errors, self.skipped = [], [], [], [], []

    def on_requested(self, index):
        pass

    def on_sentence_started(self, index, delay_s):
        self.started.append(index)

    def on_clip_ready(self, index):
        self.ready.append(index)

    def on_state(self, state):
        self.states.append(state)

    def on_error(self, message):
        self.errors.append(message)

    def on_sentence_skipped(self, index, message):
        self.skipped.append(index)


@pytest.fixture
def book():
    return make_book([
        [["One fish.", "Two fish."], ["Red fish.", "Blue fish."]],
        [["A second chapter begins.", "Two fish."], ["It ends here."]],
    ])


def config(**kw):
    base = dict(voice=VoiceSpec(speaker="ryan"), model_id="m1", lookahead_s=1000, batch_size=2,
                pause_sentence_s=0.1, pause_paragraph_s=0.2, pause_chapter_s=0.5, feed_ahead_s=1.0)
    base.update(kw)
    return NarrationConfig(**base)


def make(book, tmp_path, engine, recorder, **kw):
    cache = BookCache(tmp_path / "book.db")
    cache.sync_sentences(book)
    out = ManualOutput(SR, 480)
    narrator = Narrator(book, cache, config(**kw), out, (lambda: engine) if engine else None, recorder)
    return narrator, cache, out


def play_all(narrator, out, seconds=10.0):
    narrator.play()
    heard = []
    for _ in range(int(seconds / 0.1)):
        # A virtual clock runs faster than real time: give the feeder thread its chance before each tick.
        wait_until(lambda: narrator.player.queued_seconds() > 0.1 or narrator.state == "finished", 2)
        heard.append(out.pump(0.1))
        if narrator.state == "finished":
            break
    return np.concatenate(heard)


def test_generates_from_the_cursor_in_order_once_per_text_and_plays_in_order(book, tmp_path):
    engine, rec = ToneEngine(), Recorder()
    narrator, cache, out = make(book, tmp_path, engine, rec)
    try:
        assert wait_until(lambda: all(narrator.is_ready(i) for i in range(book.sentence_count())), 10)
        texts = engine.synthesized_texts()
        assert texts[0] == "One fish."
        assert texts == sorted(set(texts), key=[s.text for s in book.sentences()].index)  # reading order, no dup
        assert texts.count("Two fish.") == 1
        heard = play_all(narrator, out)
        assert rec.started == list(range(book.sentence_count()))
        assert narrator.state == "finished"
        # Every clip is heard back to back with the configured pauses: total voiced + pause length matches.
        voiced = sum(int(len(s.text) * 0.02 * SR) for s in book.sentences())
        # after: sentence, paragraph, sentence, chapter, sentence, paragraph (the last pause is trailing)
        inner_pauses = 0.1 + 0.2 + 0.1 + 0.5 + 0.1 + 0.2
        assert np.count_nonzero(heard) == pytest.approx(voiced, rel=0.01)
        assert len(np.trim_zeros(heard, "b")) == voiced + round(inner_pauses * SR)
    finally:
        narrator.close()
        cache.close()


def test_replay_takes_clips_from_the_cache_without_the_engine(book, tmp_path):
    engine, rec = ToneEngine(), Recorder()
    narrator, cache, out = make(book, tmp_path, engine, rec)
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(book.sentence_count())), 10)
    narrator.close()
    cache.close()
    rec2 = Recorder()
    narrator, cache, out = make(book, tmp_path, None, rec2)  # no engine at all: cache only
    try:
        play_all(narrator, out)
        assert rec2.started == list(range(book.sentence_count()))
        assert rec2.errors == []
    finally:
        narrator.close()
        cache.close()


def test_seek_reprioritises_at_once(book, tmp_path):
    engine, rec = ToneEngine(delay_s=0.05), Recorder()
    narrator, cache, out = make(book, tmp_path, engine, rec, lookahead_s=1.5, batch_size=1)
    try:
        narrator.seek(5)
        narrator.play()
        assert wait_until(lambda: narrator.is_ready(5), 5)
        # The virtual clock outruns the feeder thread: let it queue the clip before the clock moves.
        assert wait_until(lambda: narrator.player.queued_seconds() > 0, 5)
        out.pump(0.1)
        assert wait_until(lambda: rec.started, 5)
        assert rec.started[0] == 5
        assert "It ends here." in engine.synthesized_texts()[:4]
    finally:
        narrator.close()
        cache.close()


def test_a_voice_change_never_serves_the_old_voice(book, tmp_path):
    engine, rec = ToneEngine(), Recorder()
    narrator, cache, out = make(book, tmp_path, engine, rec, lookahead_s=1000)
    try:
        assert wait_until(lambda: narrator.is_ready(0), 5)
        before = len(engine.synthesized_texts())
        narrator.set_config(config(voice=VoiceSpec(speaker="vivian")))
        assert not narrator.is_ready(0)
        assert wait_until(lambda: narrator.is_ready(0), 5)
        assert len(engine.synthesized_texts()) > before
    finally:
        narrator.close()
        cache.close()


def test_failing_sentence_is_retried_then_skipped_and_playback_goes_on(book, tmp_path):
    engine, rec = ToneEngine(fail_on={"Red fish."}), Recorder()
    narrator, cache, out = make(book, tmp_path, engine, rec)
    try:
        play_all(narrator, out)
        assert rec.skipped == [2]
        # in its batch once, then alone twice (max_attempts), then skipped
        assert engine.synthesized_texts().count("Red fish.") == 3
        assert 2 not in rec.started and rec.started[-1] == book.sentence_count() - 1
    finally:
        narrator.close()
        cache.close()


def test_without_a_model_it_says_so_clearly(book, tmp_path):
    rec = Recorder()
    narrator, cache, out = make(book, tmp_path, None, rec)
    try:
        narrator.play()
        assert wait_until(lambda: rec.errors, 5)
        assert "No voice model is configured" in rec.errors[0]
    finally:
        narrator.close()
        cache.close()
