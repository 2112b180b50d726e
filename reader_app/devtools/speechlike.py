"""Speech-like test audio for the store's benchmark and tests (numpy only, deterministic).

Silence or a sine would flatter every codec; this makes voiced syllables (a glottal pulse train with a wandering
pitch, shaped by moving formants), unvoiced fricatives (shaped noise) and short pauses, at TTS loudness.
"""

from __future__ import annotations

import numpy as np

from reader_app.audio.clip import AudioClip

# Rough (F1, F2, F3) of a few vowels, Hz.
_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410),
           (440, 1020, 2240), (660, 1720, 2410))
_FRAME = 512
_HOP = 128


def speech_like(seconds: float = 5.0, sample_rate: int = 24_000, seed: int = 0) -> AudioClip:
    """About `seconds` of synthetic speech as an AudioClip (float32 mono, peak about 0.7)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sample_rate)
    n_frames = n // _HOP + 1
    # Per frame: voiced (vowel), unvoiced (fricative) or pause, in segments of a syllable's length.
    kinds = np.empty(n_frames, dtype=np.int8)
    vowel = np.empty(n_frames, dtype=np.int16)
    i = 0
    while i < n_frames:
        seg = int(rng.uniform(0.06, 0.22) * sample_rate / _HOP)
        kinds[i:i + seg] = rng.choice(3, p=(0.72, 0.18, 0.10))
        vowel[i:i + seg] = rng.integers(len(_VOWELS))
        i += seg
    # Source: pulse train with intonation (slow drift + jitter) mixed with noise.
    t = np.arange(n) / sample_rate
    f0 = 120 + 25 * np.sin(2 * np.pi * 0.4 * t + rng.uniform(0, 6)) + 8 * np.sin(2 * np.pi * 3.1 * t)
    f0 *= 1 + 0.01 * rng.standard_normal(n).cumsum() / np.sqrt(np.arange(1, n + 1))
    phase = np.cumsum(f0 / sample_rate)
    pulses = np.diff(np.floor(phase), prepend=0.0)
    glottal = np.convolve(pulses, np.hanning(int(0.004 * sample_rate)), mode="same")
    noise = rng.standard_normal(n) * 0.3
    # Filter frame by frame in the frequency domain (overlap-add), with each frame's formant envelope.
    freqs = np.fft.rfftfreq(_FRAME, 1 / sample_rate)
    window = np.hanning(_FRAME)
    out = np.zeros(n + _FRAME)
    pad_g = np.concatenate([glottal, np.zeros(_FRAME)])
    pad_n = np.concatenate([noise, np.zeros(_FRAME)])
    smooth = np.ones(n_frames)
    for f in range(n_frames):
        start = f * _HOP
        kind = kinds[f]
        if kind == 2:
            smooth[f] = 0.0
            continue
        if kind == 0:
            env = np.zeros_like(freqs)
            for k, formant in enumerate(_VOWELS[vowel[f]]):
                bw = 80 + 40 * k
                env += (1.0 / (k + 1)) / (1 + ((freqs - formant) / bw) ** 2)
            env *= 1 / (1 + (freqs / 4000) ** 2)  # spectral tilt
            src = pad_g[start:start + _FRAME] * 6 + pad_n[start:start + _FRAME] * 0.05
        else:
            env = 1 / (1 + ((freqs - 5500) / 2000) ** 2) * 0.5
            src = pad_n[start:start + _FRAME]
        spec = np.fft.rfft(src * window) * env
        out[start:start + _FRAME] += np.fft.irfft(spec, _FRAME) * window
    y = out[:n]
    # Syllable-rate amplitude envelope, so loudness rises and falls like speech.
    amp = np.convolve(np.pad(smooth, 12, mode="edge"), np.hanning(24) / 12, mode="same")[12:12 + n_frames]
    y *= np.interp(np.arange(n), np.arange(n_frames) * _HOP, amp)
    peak = float(np.max(np.abs(y))) or 1.0
    return AudioClip((y / peak * 0.7).astype(np.float32), sample_rate)
