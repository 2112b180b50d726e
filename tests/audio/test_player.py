import numpy as np

from reader_app.audio.output import ManualOutput
from reader_app.audio.player import Player
from tests.support.player_events import Events


def test_clips_play_back_to_back_without_gaps_and_pauses_are_exact():
    out = ManualOutput(sample_rate=1000, block_frames=7)
    events = Events()
    player = Player(out, events)
    a = np.full(25, 0.5, np.float32)
    b = np.full(13, -0.25, np.float32)
    player.enqueue("a", a, pause_after_s=0.010)  # 10 samples of silence
    player.enqueue("b", b)
    player.play()
    heard = out.pump(0.07)
    expected = np.concatenate([a, np.zeros(10, np.float32), b])
    assert np.array_equal(heard[:len(expected)], expected)
    assert not heard[len(expected):].any()
    assert events.started == ["a", "b"] and events.finished == ["a", "b"]
    assert events.starved_count == 1


def test_pause_outputs_silence_and_resume_continues_where_it_stopped():
    out = ManualOutput(sample_rate=1000, block_frames=10)
    player = Player(out)
    clip = np.arange(1, 41, dtype=np.float32) / 100
    player.enqueue("x", clip)
    player.play()
    first = out.pump(0.01)
    player.pause()
    paused = out.pump(0.02)
    player.play()
    rest = out.pump(0.03)
    assert np.array_equal(first, clip[:10])
    assert not paused.any()
    assert np.array_equal(rest, clip[10:40])
    assert player.current() is None


def test_clear_drops_queued_audio_and_volume_scales():
    out = ManualOutput(sample_rate=1000, block_frames=10)
    player = Player(out)
    player.enqueue("x", np.ones(100, np.float32))
    player.set_volume(0.5)
    player.play()
    assert np.allclose(out.pump(0.01), 0.5)
    assert player.current() == ("x", 0.01)
    assert abs(player.queued_seconds() - 0.09) < 1e-9
    player.clear()
    assert not out.pump(0.01).any()


def test_gaps_are_measured_only_between_clips_while_playing():
    out = ManualOutput(sample_rate=1000, block_frames=10)
    player = Player(out)
    player.play()
    out.pump(0.05)  # nothing queued yet: start-up latency, not a gap
    player.enqueue("a", np.ones(20, np.float32))
    out.pump(0.02)
    out.pump(0.03)  # 30 ms of starvation
    player.enqueue("b", np.ones(10, np.float32))
    out.pump(0.01)
    assert player.gap_count == 1
    assert player.max_gap_s == 0.03
