"""Speed change with the pitch kept: WSOLA time-scale modification (pytsmod), run off the audio thread.

WSOLA cuts the signal into overlapping windows and re-spaces them, choosing each window's exact position by
waveform similarity, so voiced speech keeps its pitch and its periodicity without the phasey smear of a phase
vocoder. Output length is exactly len / speed, so offsets map back to source time by one ratio.
"""

from __future__ import annotations

import math

import numpy as np

from reader_app.audio.speed_range import SPEED_MAX, SPEED_MIN

_WINDOW = 1024  # ~43 ms at 24 kHz: a few pitch periods of speech, the usual WSOLA choice
_HOP = _WINDOW // 2


def clamp_speed(speed: float) -> float:
    """Into the one speed range (audio/speed_range.py); a speed that is not a finite number is refused
    (ValueError): it would fill the output with NaN or stop the thread that stretches."""
    speed = float(speed)
    if not math.isfinite(speed):
        raise ValueError(f"speed must be a number from {SPEED_MIN:g} to {SPEED_MAX:g} (got {speed})")
    return min(max(speed, SPEED_MIN), SPEED_MAX)


def time_stretch(samples: np.ndarray, speed: float) -> np.ndarray:
    """samples played `speed` times faster (speed > 1 shortens), same pitch; float32 mono."""
    speed = clamp_speed(speed)
    samples = np.asarray(samples, dtype=np.float32)
    if abs(speed - 1.0) < 1e-3 or len(samples) == 0:
        return samples
    import pytsmod  # lazy: scipy import cost only when speed != 1

    target = int(round(len(samples) / speed))
    # Very short pieces (a streamed first chunk can be tiny) are padded so WSOLA has a few windows to work on.
    padded = samples if len(samples) >= 4 * _WINDOW else np.pad(samples, (0, 4 * _WINDOW - len(samples)))
    out = pytsmod.wsola(padded.astype(np.float64), 1.0 / speed, win_size=_WINDOW, syn_hop_size=_HOP,
                        tolerance=_HOP)
    out = np.asarray(out, dtype=np.float32).reshape(-1)[:target]
    if len(out) < target:
        out = np.pad(out, (0, target - len(out)))
    return np.clip(out, -1.0, 1.0)
