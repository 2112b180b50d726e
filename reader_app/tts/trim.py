"""Trim leading and trailing silence from generated speech (pure numpy).

The narrator inserts its own pauses between sentences, so the model's own silence at the edges would double
them. A short pad is kept so consonants at the edges are not clipped.
"""

from __future__ import annotations

import numpy as np

WINDOW_S = 0.01
PAD_S = 0.04
RELATIVE_DB = -40.0  # below the loudest window by this much counts as silence
ABSOLUTE_FLOOR = 1e-3  # RMS under this is silence whatever the peak


def trim_silence(samples: np.ndarray, sample_rate: int, relative_db: float = RELATIVE_DB,
                 floor: float = ABSOLUTE_FLOOR, pad_s: float = PAD_S) -> np.ndarray:
    """Samples without the silent stretches at both ends. All-silent input comes back unchanged."""
    if samples.size == 0:
        return samples
    window = max(1, int(sample_rate * WINDOW_S))
    count = samples.size // window
    if count == 0:
        return samples
    frames = samples[: count * window].astype(np.float32).reshape(count, window)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    threshold = max(float(rms.max()) * 10 ** (relative_db / 20.0), floor)
    loud = np.flatnonzero(rms >= threshold)
    if loud.size == 0:
        return samples
    pad = int(sample_rate * pad_s)
    start = max(0, loud[0] * window - pad)
    end = min(samples.size, (loud[-1] + 1) * window + pad)
    return samples[start:end]
