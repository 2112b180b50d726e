"""Narrator logic on a virtual clock (ManualOutput) with a real SQLite book cache."""

import numpy as np
import pytest

from reader_app.narration.config import wait_until
from reader_app.tts.engine import VoiceSpec
from tests.support.books import make_book
from tests.support.engines import ToneEngine
from tests.support.narration import SR, Recorder, config, play_all


@pytest.fixture
def book():
    return make_book([
        [["One fish.", "Two fish."], ["Red fish.", "Blue fish."]],
        [["A second chapter begins.", "Two fish."], ["It ends here."]],
    ])


def test_generates_from_the_cursor_in_order_once_per_text_and_plays_in_order(book, make_narrator):
    engine, rec = ToneEngine(), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec)
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


def test_replay_takes_clips_from_the_cache_without_the_engine(book, make_narrator):
    engine, rec = ToneEngine(), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec)
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(book.sentence_count())), 10)
    narrator.close()
    cache.close()
    rec2 = Recorder()
    narrator, cache, out = make_narrator(book, None, rec2)  # no engine at all: cache only
    play_all(narrator, out)
    assert rec2.started == list(range(book.sentence_count()))
    assert rec2.errors == []


def test_seek_reprioritises_at_once(book, make_narrator):
    engine, rec = ToneEngine(delay_s=0.05), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec, lookahead_s=1.5, batch_size=1)
    narrator.seek(5)
    narrator.play()
    assert wait_until(lambda: narrator.is_ready(5), 5)
    # The virtual clock outruns the feeder thread: let it queue the clip before the clock moves.
    assert wait_until(lambda: narrator.player.queued_seconds() > 0, 5)
    out.pump(0.1)
    assert wait_until(lambda: rec.started, 5)
    assert rec.started[0] == 5
    assert "It ends here." in engine.synthesized_texts()[:4]


def test_a_voice_change_never_serves_the_old_voice(book, make_narrator):
    engine, rec = ToneEngine(), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec, lookahead_s=1000)
    assert wait_until(lambda: narrator.is_ready(0), 5)
    before = len(engine.synthesized_texts())
    narrator.set_config(config(voice=VoiceSpec(speaker="vivian")))
    assert not narrator.is_ready(0)
    assert wait_until(lambda: narrator.is_ready(0), 5)
    assert len(engine.synthesized_texts()) > before


def test_failing_sentence_is_retried_then_skipped_and_playback_goes_on(book, make_narrator):
    engine, rec = ToneEngine(fail_on={"Red fish."}), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec)
    play_all(narrator, out)
    assert rec.skipped == [2]
    # in its batch once, then alone twice (max_attempts), then skipped
    assert engine.synthesized_texts().count("Red fish.") == 3
    assert 2 not in rec.started and rec.started[-1] == book.sentence_count() - 1


def test_without_a_model_it_says_so_clearly(book, make_narrator):
    rec = Recorder()
    narrator, cache, out = make_narrator(book, None, rec)
    narrator.play()
    assert wait_until(lambda: rec.errors, 5)
    assert "No voice model is configured" in rec.errors[0]


class VoiceEngine(ToneEngine):
    """A tone engine that remembers which voice was asked to say what."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.said = []

    def synthesize(self, requests, **kw):
        with self.lock:
            self.said.extend((r.voice.speaker, r.text) for r in requests)
        return super().synthesize(requests, **kw)


def test_a_batch_in_flight_during_a_voice_change_is_stored_for_the_voice_that_said_it(book, make_narrator):
    engine, rec = VoiceEngine(delay_s=0.3), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec)
    assert wait_until(lambda: engine.calls, 5)  # sentence 0 in the old voice is being synthesized
    old_key = narrator.key_for(0)
    narrator.set_config(config(voice=VoiceSpec(speaker="vivian")))
    assert wait_until(lambda: narrator.is_ready(0), 10)
    assert ("vivian", "One fish.") in engine.said  # the new voice's clip was said by the new voice
    assert wait_until(lambda: cache.get_clip(old_key) is not None, 5)  # the old one kept under its own key
