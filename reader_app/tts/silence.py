"""Silence at the edges of generated speech: one rule for both engines (pure numpy).

The narrator inserts its own pauses between sentences, so the model's own silence at the edges would double
them. Speech is any sample louder than THRESHOLD_DB (absolute, so it can be decided while audio streams,
before the loudest part is known); a short margin is kept so consonants at the edges are not clipped.
The fast engine streams through SilenceTrimmer (and its guard watches `silence_run_s`); the stock engine
trims each finished clip with trim_silence, the same trimmer run over the whole clip.
"""

from __future__ import annotations

import numpy as np

THRESHOLD_DB = -45.0  # dBFS: quieter samples are silence
CLIP_MARGIN_S = 0.04  # kept before and after the speech of a whole clip


class SilenceTrimmer:
    """Streams audio through while holding back silence, so leading/trailing silence can be trimmed.

    Audio after the last loud sample is kept pending; it is released when speech resumes, and cut to a short
    tail at the end. `silence_run_s` tells the guard how long the current silence has lasted.
    """

    def __init__(self, sample_rate: int, threshold_db: float = THRESHOLD_DB, enabled: bool = True,
                 lead_keep_s: float = 0.08, tail_keep_s: float = 0.2) -> None:
        self.sr = sample_rate
        self.enabled = enabled
        self.threshold = 10.0 ** (threshold_db / 20.0)
        self.lead_keep = int(lead_keep_s * sample_rate)
        self.tail_keep = int(tail_keep_s * sample_rate)
        self.started = False
        self._pending = np.zeros(0, dtype=np.float32)
        self.leading_trimmed = 0  # samples dropped before speech began

    @property
    def silence_run_s(self) -> float:
        return len(self._pending) / float(self.sr)

    def push(self, samples: np.ndarray) -> np.ndarray:
        samples = np.asarray(samples, dtype=np.float32)
        if not self.enabled:
            return samples
        buf = np.concatenate([self._pending, samples]) if len(self._pending) else samples
        loud = np.flatnonzero(np.abs(buf) > self.threshold)
        if not self.started:
            if len(loud) == 0:
                keep = buf[-self.lead_keep:] if self.lead_keep else buf[:0]
                self.leading_trimmed += len(buf) - len(keep)
                self._pending = keep
                return buf[:0]
            self.started = True
            cut = max(0, int(loud[0]) - self.lead_keep)
            self.leading_trimmed += cut
            buf, loud = buf[cut:], loud - cut
        if len(loud) == 0:
            self._pending = buf
            return buf[:0]
        end = int(loud[-1]) + 1
        self._pending = buf[end:]
        return buf[:end]

    def finish(self) -> np.ndarray:
        if not self.enabled:
            return np.zeros(0, dtype=np.float32)
        tail = self._pending[: self.tail_keep] if self.started else self._pending[:0]
        self._pending = np.zeros(0, dtype=np.float32)
        return tail


def trim_silence(samples: np.ndarray, sample_rate: int, threshold_db: float = THRESHOLD_DB,
                 margin_s: float = CLIP_MARGIN_S) -> np.ndarray:
    """Samples without the silent stretches at both ends. All-silent input comes back unchanged."""
    if samples.size == 0 or not np.any(np.abs(samples) > 10.0 ** (threshold_db / 20.0)):
        return samples
    trimmer = SilenceTrimmer(sample_rate, threshold_db, lead_keep_s=margin_s, tail_keep_s=margin_s)
    return np.concatenate([trimmer.push(samples), trimmer.finish()])
