"""Streaming the cursor sentence, speed and volume, pause/resume, seeks and prompt close, on a virtual clock."""

import threading

import numpy as np
import pytest

from reader_app.narration.config import wait_until
from tests.support.books import make_book
from tests.support.engines import StreamingToneEngine, ToneEngine
from tests.support.narration import SR, Recorder, play_all, settle


@pytest.fixture
def book():
    return make_book([
        [["One fish.", "Two fish."], ["Red fish.", "Blue fish."]],
        [["A second chapter begins.", "Two fish."], ["It ends here."]],
    ])


def pump_until(narrator, out, predicate, seconds=5.0):
    for _ in range(int(seconds / 0.02)):
        if predicate():
            return True
        settle(lambda: narrator.player.queued_seconds() > 0.02 or predicate(), 0.05)
        out.pump(0.02)
    return predicate()


def test_cursor_sentence_streams_its_first_chunk_before_it_is_finished(book, make_narrator):
    engine, rec = StreamingToneEngine(chunk_s=0.05, gated=True), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec, lookahead_s=0.1)
    narrator.play()
    heard = []
    # Only the first chunk of sentence 0 exists (the engine holds the rest back): it is already heard.
    assert pump_until(narrator, out, lambda: rec.started == [0])
    assert not narrator.is_ready(0) and cache.get_clip(narrator.key_for(0)) is None
    engine.release()
    assert wait_until(lambda: narrator.is_ready(0), 5)
    for _ in range(40):
        settle(lambda: narrator.player.queued_seconds() > 0.02 or not narrator.player.queued_ids(), 0.5)
        heard.append(out.pump(0.02))
    # The cache holds the complete clip, and the listener heard all of it, in order, without a gap.
    cached = cache.get_clip(narrator.key_for(0)).samples
    full = engine.synthesize([type("R", (), {"text": "One fish."})()])[0].samples
    assert len(cached) == len(full)  # the store's codec may round samples, never drop them
    played = np.concatenate(out.recorded)
    start = np.flatnonzero(played)[0] - 1  # the tone's first sample is 0
    assert np.array_equal(played[start:start + len(full)], full)
    assert narrator.player.gap_count == 0
    assert engine.synthesized_texts().count("One fish.") == 2  # streamed once (+ our reference call above)


def test_batches_also_stream_and_everything_plays_in_order_once(book, make_narrator):
    engine, rec = StreamingToneEngine(chunk_s=0.03), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec)
    play_all(narrator, out)
    assert rec.started == list(range(book.sentence_count()))
    texts = engine.synthesized_texts()
    assert len(texts) == len(set(texts))


def dominant_hz(samples):
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return np.argmax(spectrum) * SR / len(samples)


def test_speed_scales_durations_keeps_pitch_and_reports_source_time(make_narrator):
    long_book = make_book([[["a" * 50, "b" * 50, "c" * 50]]])  # 1 s tones at 250 Hz
    engine, rec = ToneEngine(), Recorder()
    narrator, cache, out = make_narrator(long_book, engine, rec, pause_sentence_s=0.0, speed=1.5)
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(3)), 10)
    narrator.play()
    assert pump_until(narrator, out, lambda: narrator.player.queued_seconds() > 0.5)
    out.pump(0.2)
    item, offset = narrator.player.current()
    assert (item.index, item.chunk) == (0, 0) and offset == pytest.approx(0.3, abs=0.03)  # 0.2 s heard at 1.5x
    heard = play_all(narrator, out)
    voiced = np.concatenate(out.recorded)
    voiced = voiced[np.flatnonzero(voiced)[0]:]
    voiced = np.trim_zeros(voiced, "b")
    assert len(voiced) == pytest.approx(3 * SR / 1.5, rel=0.02)
    assert dominant_hz(voiced[:SR // 2]) == pytest.approx(250, abs=6)
    assert rec.started == [0, 1, 2] and heard is not None


def test_set_speed_mid_play_restretches_queued_clips_without_losing_or_repeating(make_narrator):
    long_book = make_book([[["a" * 50, "b" * 50, "c" * 50, "d" * 50]]])
    engine, rec = ToneEngine(), Recorder()
    narrator, cache, out = make_narrator(long_book, engine, rec, pause_sentence_s=0.0, feed_ahead_s=3.0)
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(4)), 10)
    narrator.play()
    assert pump_until(narrator, out, lambda: len(narrator.player.queued_ids()) >= 3)
    out.pump(0.5)
    narrator.set_speed(2.0)
    assert narrator.config.speed == 2.0
    play_all(narrator, out)
    assert rec.started == [0, 1, 2, 3]
    played = np.concatenate(out.recorded)
    played = np.trim_zeros(played)
    # sentence 0 at 1x (1 s), sentences 1-3 at 2x (0.5 s each)
    assert len(played) == pytest.approx(SR * (1 + 3 * 0.5), rel=0.02)


def test_volume_scales_what_is_heard(book, make_narrator):
    engine, rec = ToneEngine(), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec, volume=0.5)
    assert narrator.player.volume == 0.5
    narrator.set_volume(0.25)
    assert narrator.config.volume == 0.25
    heard = play_all(narrator, out)
    assert np.max(np.abs(heard)) == pytest.approx(0.3 * 0.25, rel=0.05)  # the cache codec is lossy


def test_pause_stops_sound_resume_continues_and_generation_fills_the_window_while_paused(make_narrator):
    long_book = make_book([[[f"Sentence {i} " + "x" * 40 for i in range(12)]]])  # ~1 s each
    engine, rec = ToneEngine(), Recorder()
    narrator, cache, out = make_narrator(long_book, engine, rec, lookahead_s=3.5, batch_size=1)
    narrator.play()
    assert pump_until(narrator, out, lambda: rec.started == [0])
    narrator.pause()
    assert not out.pump(0.3).any()
    # Paused, generation goes on up to the window (about 3.5 s of audio), and no further.
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(4)), 10)
    assert not narrator.is_ready(8)
    narrator.play()
    assert pump_until(narrator, out, lambda: rec.started == [0, 1])


def test_seek_drops_stale_work_but_keeps_finished_clips_and_never_synthesizes_twice(make_narrator):
    long_book = make_book([[[f"Sentence number {i}." for i in range(30)]]])
    engine, rec = ToneEngine(delay_s=0.05), Recorder()
    narrator, cache, out = make_narrator(long_book, engine, rec, lookahead_s=2.0, batch_size=2)
    narrator.play()
    assert wait_until(lambda: narrator.is_ready(0), 5)
    narrator.seek(20)
    assert wait_until(lambda: narrator.is_ready(20), 5)
    assert pump_until(narrator, out, lambda: 20 in rec.started)
    assert rec.started[rec.started.index(20) - 1:] != [] and 20 in rec.started
    narrator.seek(0)  # back: sentence 0 comes from the cache
    calls_before = len(engine.synthesized_texts())
    assert pump_until(narrator, out, lambda: rec.started[-1] == 0)
    texts = engine.synthesized_texts()
    assert len(texts) == len(set(texts))  # nothing generated twice across the seeks
    assert "Sentence number 0." not in texts[calls_before:]
    # After the seek to 20, the next request was sentence 20 alone (at most one stale batch before it).
    assert engine.calls.index(["Sentence number 20."]) <= 3


def test_close_is_prompt_when_the_engine_streams_a_long_batch(book, make_narrator):
    engine = StreamingToneEngine(chunk_s=0.001, chunk_delay_s=0.02)  # ~1 minute for the whole book
    narrator, cache, out = make_narrator(book, engine, Recorder())
    assert wait_until(lambda: engine.chunks_yielded > 2, 5)
    narrator.close()
    assert not any(t.is_alive() for t in narrator._threads)
    assert threading.active_count() < 50


def test_narrator_starts_at_a_given_index_without_generating_the_start(book, make_narrator):
    engine, rec = ToneEngine(), Recorder()
    narrator, _, _ = make_narrator(book, engine, rec, lookahead_s=0.5, start_index=4)
    assert wait_until(lambda: narrator.is_ready(4), 5)
    assert engine.synthesized_texts()[0] == "A second chapter begins."
