"""Voice tests: each test gets an empty user voices folder; tiny engines are shared per session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

# Random weights never emit EOS: small frame budgets, one torch thread.
TINY = dict(threads=1, max_frames_per_char=0.05, margin_frames=6)
SR = 24_000


@pytest.fixture(autouse=True)
def user_voices(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "user-voices"
    folder.mkdir()

    def voices_dir() -> Path:
        folder.mkdir(exist_ok=True)
        return folder

    monkeypatch.setattr("reader_app.paths.voices_dir", voices_dir)
    return folder


def speechlike(seconds: float = 4.0, rate: int = SR, level: float = 0.3, channels: int = 1) -> np.ndarray:
    """A voiced-sounding signal (harmonics with a syllable-rate envelope) with a little silence around it."""
    t = np.arange(int(seconds * rate)) / rate
    tone = sum(np.sin(2 * np.pi * f * t) / (i + 1) for i, f in enumerate((140, 280, 420, 700)))
    env = 0.5 + 0.5 * np.abs(np.sin(2 * np.pi * 2.5 * t))
    sig = (level * tone * env / np.abs(tone).max()).astype(np.float32)
    pad = np.zeros(int(0.5 * rate), dtype=np.float32)
    sig = np.concatenate([pad, sig, pad])
    return np.stack([sig, 0.7 * sig], axis=1) if channels == 2 else sig


@pytest.fixture(scope="session")
def base_engine(tiny_base):
    from reader_app.tts.qwen_engine import load_engine

    return load_engine(tiny_base, device="cpu", greedy=True, **TINY)


@pytest.fixture(scope="session")
def design_engine(tiny_voice_design):
    from reader_app.tts.qwen_engine import load_engine

    # A longer budget than TINY: the preview becomes a clone reference, which needs 3 s of sound.
    return load_engine(tiny_voice_design, device="cpu", greedy=True, threads=1, max_frames_per_char=0.5,
                       margin_frames=6)


@pytest.fixture(scope="session")
def preset_engine(tiny_custom_voice):
    from reader_app.tts.qwen_engine import load_engine

    return load_engine(tiny_custom_voice, device="cpu", greedy=True, **TINY)
