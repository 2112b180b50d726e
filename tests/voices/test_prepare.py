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
