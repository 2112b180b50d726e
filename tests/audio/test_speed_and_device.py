"""Time stretch (pitch kept), source-time positions, and the player surviving a lost or missing device."""

import numpy as np
import pytest

from reader_app.audio import sounddevice_output
from reader_app.audio.output import AudioOutputError, ManualOutput, NullOutput
from reader_app.audio.player import Player
from reader_app.audio.stretch import time_stretch
from tests.support.player_events import Events

SR = 24_000


def tone(hz=440.0, seconds=1.0):
    t = np.arange(int(SR * seconds)) / SR
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def dominant_hz(samples):
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return np.argmax(spectrum) * SR / len(samples)


@pytest.mark.parametrize("speed", [0.5, 1.5, 3.0])
def test_time_stretch_scales_duration_and_keeps_pitch(speed):
    out = time_stretch(tone(), speed)
    assert len(out) == round(SR / speed)
    assert dominant_hz(out) == pytest.approx(440, abs=4)
    assert out.dtype == np.float32


def test_speed_one_is_untouched_and_tiny_pieces_work():
    clip = tone(seconds=0.2)
    assert time_stretch(clip, 1.0) is clip
    assert len(time_stretch(clip[:300], 2.0)) == 150


def test_player_plays_stretched_and_reports_source_time():
    out = ManualOutput(SR, 480)
    player = Player(out)
    player.enqueue("a", tone(), pause_after_s=0.1, speed=1.5)
    player.play()
    out.pump(0.2)
    item_id, offset = player.current()
    assert item_id == "a" and offset == pytest.approx(0.3, abs=1e-6)
    heard = np.concatenate([out.pump(1.0)])
    voiced = np.trim_zeros(np.concatenate([out.recorded[0], heard]), "b")
    assert len(voiced) == pytest.approx(SR / 1.5, abs=2)
    assert dominant_hz(voiced) == pytest.approx(440, abs=4)


class LostEvents(Events):
    def __init__(self):
        super().__init__()
        self.lost = []
        self.restored = []

    def output_lost(self, message):
        self.lost.append(message)

    def output_restored(self, message):
        self.restored.append(message)


def test_a_lost_device_moves_playback_to_the_fallback_and_keeps_the_position():
    device, spare = ManualOutput(1000, 10), ManualOutput(1000, 10)
    events = LostEvents()
    player = Player(device, events, fallback=lambda: spare)
    clip = np.arange(1, 61, dtype=np.float32) / 100
    player.enqueue("x", clip)
    player.play()
    first = device.pump(0.02)
    device.report_lost("The audio device stopped.")
    assert player.output is spare and spare.active
    assert events.lost and "continues without sound" in events.lost[0]
    rest = spare.pump(0.04)
    assert np.array_equal(np.concatenate([first, rest]), clip)


class BrokenOutput(ManualOutput):
    def start(self, fill):
        raise AudioOutputError("Could not open the audio device: gone")


@pytest.fixture
def broken_player():
    """A player whose device fails to open; closed after the test (its fallback runs a real-time clock)."""
    events = LostEvents()
    player = Player(BrokenOutput(SR, 480), events)
    yield player, events
    player.close()


def test_no_device_at_play_falls_back_with_a_clear_message(broken_player):
    player, events = broken_player
    player.enqueue("x", tone(seconds=0.05))
    player.play()
    assert isinstance(player.output, NullOutput) and player.output.active
    assert "Could not open the audio device" in events.lost[0]


def test_open_output_without_a_device(monkeypatch):
    def no_portaudio():
        raise AudioOutputError("No audio output: the PortAudio library is missing")

    monkeypatch.setattr(sounddevice_output, "_import_sounddevice", no_portaudio)
    assert isinstance(sounddevice_output.open_output("default"), NullOutput)
    with pytest.raises(AudioOutputError, match="No audio output device"):
        sounddevice_output.open_output("sounddevice")


def test_play_after_a_loss_reopens_the_device_and_keeps_the_position():
    device, spare, back = ManualOutput(1000, 10), ManualOutput(1000, 10), ManualOutput(1000, 10)
    opened = []
    events = LostEvents()
    player = Player(device, events, fallback=lambda: spare, reopen=lambda: opened.append(1) or back)
    clip = np.arange(1, 61, dtype=np.float32) / 100
    player.enqueue("x", clip)
    player.play()
    first = device.pump(0.02)
    device.report_lost("The audio device stopped.")
    middle = spare.pump(0.01)
    assert not opened  # nothing is tried until the listener presses play again
    player.pause()
    player.play()
    assert player.output is back and back.active and not spare.active
    assert events.restored and "Sound is back" in events.restored[0]
    rest = back.pump(0.03)
    assert np.array_equal(np.concatenate([first, middle, rest]), clip)  # nothing lost or repeated
    back.report_lost("gone again")  # and a second loss falls back again
    assert player.output is spare and len(events.lost) == 2


@pytest.mark.parametrize("reopen", [
    lambda: (_ for _ in ()).throw(AudioOutputError("No audio output device")),  # still unplugged
    lambda: NullOutput(1000, 10),  # open_output("default") without a device: silent, not a device
    lambda: BrokenOutput(1000, 10),  # found but cannot start
])
def test_play_without_the_device_back_stays_on_the_fallback(reopen):
    device, spare = ManualOutput(1000, 10), ManualOutput(1000, 10)
    events = LostEvents()
    player = Player(device, events, fallback=lambda: spare, reopen=reopen)
    player.enqueue("x", np.ones(50, np.float32))
    player.play()
    device.report_lost("The audio device stopped.")
    player.pause()
    player.play()
    assert player.output is spare and spare.active and not events.restored
    assert np.array_equal(spare.pump(0.05), np.ones(50, np.float32))


def test_started_without_a_device_finds_one_on_play():
    silent, device = NullOutput(1000, 10, realtime=False), ManualOutput(1000, 10)
    player = Player(silent, LostEvents(), reopen=lambda: device)
    player.enqueue("x", np.ones(20, np.float32))
    player.play()
    assert player.output is device and device.active and not silent.active
    assert np.array_equal(device.pump(0.02), np.ones(20, np.float32))
