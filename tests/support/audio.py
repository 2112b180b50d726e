"""Test signals: a noisy tone clip (store tests) and a voiced-sounding recording (voice tests)."""

from __future__ import annotations

import numpy as np

from reader_app.audio.clip import AudioClip

SR = 24_000


def noise_clip(seconds: float = 1.0, seed: int = 0, rate: int = SR) -> AudioClip:
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * rate)) / rate
    samples = 0.3 * np.sin(2 * np.pi * (150 + 50 * seed % 7) * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
    samples += 0.05 * rng.standard_normal(len(t))
    return AudioClip(samples.astype(np.float32), rate)


def speechlike(seconds: float = 4.0, rate: int = SR, level: float = 0.3, channels: int = 1) -> np.ndarray:
    """A voiced-sounding signal (harmonics with a syllable-rate envelope) with a little silence around it."""
    t = np.arange(int(seconds * rate)) / rate
    tone = sum(np.sin(2 * np.pi * f * t) / (i + 1) for i, f in enumerate((140, 280, 420, 700)))
    env = 0.5 + 0.5 * np.abs(np.sin(2 * np.pi * 2.5 * t))
    sig = (level * tone * env / np.abs(tone).max()).astype(np.float32)
    pad = np.zeros(int(0.5 * rate), dtype=np.float32)
    sig = np.concatenate([pad, sig, pad])
    return np.stack([sig, 0.7 * sig], axis=1) if channels == 2 else sig
