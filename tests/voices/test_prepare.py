"""Reference preparation: every bad input gets a clear message or a safe fix the user is told about."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from reader_app.voices.recording import (
    VoiceInputError,
    prepare_reference,
    prepare_reference_file,
)
from tests.support.audio import SR, speechlike


def test_clean_recording_passes_with_trim_and_level():
    out = prepare_reference(speechlike(5.0, level=0.02), SR)
    assert out.sample_rate == SR and out.samples.dtype == np.float32 and out.samples.ndim == 1
    assert 4.5 < out.duration_s < 5.5  # padding silence trimmed
    assert any("Raised the level" in n for n in out.notes)
    assert np.abs(out.samples).max() <= 0.95 + 1e-6


@pytest.mark.parametrize("suffix", ["wav", "flac", "ogg", "mp3"])
def test_formats_stereo_and_odd_rate(tmp_path, suffix):
    path = tmp_path / f"ref.{suffix}"
    sf.write(str(path), speechlike(4.0, rate=44_100, channels=2), 44_100)
    out = prepare_reference_file(path)
    assert "Mixed 2 channels down to mono." in out.notes
    assert "Resampled from 44100 Hz to 24000 Hz." in out.notes
    assert 3.5 < out.duration_s < 4.6


def test_low_rate_is_resampled_with_a_warning_and_too_low_is_refused():
    out = prepare_reference(speechlike(4.0, rate=11_025), 11_025)
    assert any("telephone" in n for n in out.notes)
    with pytest.raises(VoiceInputError, match="at least 8000 Hz"):
        prepare_reference(speechlike(4.0, rate=4_000), 4_000)


def test_too_short_and_silent():
    with pytest.raises(VoiceInputError, match=r"only 1\.\d s of sound"):
        prepare_reference(speechlike(1.2), SR)
    with pytest.raises(VoiceInputError, match="silent"):
        prepare_reference(np.zeros(SR * 5, dtype=np.float32), SR)
    with pytest.raises(VoiceInputError, match="empty"):
        prepare_reference(np.zeros(0, dtype=np.float32), SR)


def test_too_long_is_cut_without_transcript_and_refused_with_one():
    long = speechlike(40.0)
    out = prepare_reference(long, SR)
    assert out.duration_s == pytest.approx(30.0) and any("first 30 s" in n for n in out.notes)
    with pytest.raises(VoiceInputError, match="at most 30 s"):
        prepare_reference(long, SR, has_transcript=True)


def test_clipping_warns_then_refuses():
    sig = speechlike(5.0, level=1.0)
    mild = np.clip(sig * 1.02, -1, 1)
    out = prepare_reference(mild, SR)
    assert any("clipped" in n for n in out.notes)
    with pytest.raises(VoiceInputError, match="heavily clipped"):
        prepare_reference(np.clip(sig * 4, -1, 1), SR)


def test_nan_samples_are_replaced():
    sig = speechlike(4.0)
    sig[100:200] = np.nan
    assert any("NaN" in n for n in prepare_reference(sig, SR).notes)


def test_corrupt_unsupported_missing_files(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    with pytest.raises(VoiceInputError, match="cannot be read as audio"):
        prepare_reference_file(bad)
    fake_mp3 = tmp_path / "song.mp3"
    fake_mp3.write_bytes(b"\x00" * 5000)
    with pytest.raises(VoiceInputError, match="cannot be read"):
        prepare_reference_file(fake_mp3)
    other = tmp_path / "voice.m4a"
    other.write_bytes(b"....")
    with pytest.raises(VoiceInputError, match="unsupported file type"):
        prepare_reference_file(other)
    with pytest.raises(VoiceInputError, match="does not exist"):
        prepare_reference_file(tmp_path / "nope.wav")


def _truncate(path, fraction: float):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


@pytest.mark.parametrize("suffix, fraction", [("flac", 0.5), ("flac", 0.05), ("wav", 0.5), ("wav", 0.02)])
def test_a_truncated_recording_is_called_truncated(tmp_path, suffix, fraction):
    path = tmp_path / f"ref.{suffix}"
    sf.write(str(path), speechlike(6.0), SR)
    with pytest.raises(VoiceInputError, match="truncated or damaged") as refused:
        prepare_reference_file(_truncate(path, fraction))
    assert "silent" not in str(refused.value) and "\n" not in str(refused.value)


def _long_recording(path, seconds: float, rate: int = SR, channels: int = 1, speech: float = 8.0):
    """seconds of audio: speech first, then silence (which compresses to almost nothing in FLAC)."""
    with sf.SoundFile(str(path), "w", samplerate=rate, channels=channels, subtype="PCM_16") as out:
        voice = speechlike(speech, rate=rate)
        out.write(np.repeat(voice[:, None], channels, axis=1))
        block, left = np.zeros((rate * 10, channels), np.float32), int(seconds * rate) - voice.size
        while left > 0:
            out.write(block[: min(left, len(block))])
            left -= len(block)
    return path


def test_only_the_kept_start_of_a_long_file_is_decoded(tmp_path):
    path = _long_recording(tmp_path / "long.flac", 95.0)
    out = prepare_reference_file(path)
    assert 8.0 < out.duration_s < 9.5 and any("Trimmed" in n for n in out.notes)
    with pytest.raises(VoiceInputError, match="95 s long; with a transcript it must be at most 30 s"):
        prepare_reference_file(path, has_transcript=True)
    talk = prepare_reference_file(_long_recording(tmp_path / "talk.flac", 95.0, speech=40.0))
    assert talk.duration_s == pytest.approx(30.0) and "Used the first 30 s of the 95 s recording." in talk.notes


def test_too_many_samples_to_decode_are_refused_from_the_header(tmp_path):
    path = _long_recording(tmp_path / "hires.flac", 30.0, rate=192_000, channels=8)
    with pytest.raises(VoiceInputError, match="8 channels at 192000 Hz"):
        prepare_reference_file(path)


_PEAK_RSS = """
import resource, sys
from reader_app.voices.recording import prepare_reference_file
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = prepare_reference_file(sys.argv[1])
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024, round(out.duration_s))
"""


def test_memory_of_a_big_multichannel_file_is_bounded(tmp_path):
    """4 minutes of 4-channel 96 kHz: 92 M samples, 370 MB as float32 if decoded whole (the old peak: 560 MB)."""
    import subprocess
    import sys
    from pathlib import Path

    path = _long_recording(tmp_path / "big.flac", 240.0, rate=96_000, channels=4)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", _PEAK_RSS, str(path)], capture_output=True, text=True,
                          cwd=root, timeout=120, check=True)
    growth_mb, seconds = map(int, done.stdout.split())
    assert seconds == 8 and growth_mb < 150, done.stdout
