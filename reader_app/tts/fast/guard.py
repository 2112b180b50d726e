"""Runaway guard: degenerate-loop detection, silence detection and trimming (the frame budget is tts/budget.py).

Qwen3-TTS sometimes misses EOS and then keeps talking (or humming, or stays silent) for minutes; these checks
bound every sentence. Numpy only: they run on the host over codes and audio as they stream out.
"""

from __future__ import annotations

import numpy as np


class LoopDetector:
    """Flags a sentence whose last `window` frames repeat with a short period (the model is stuck)."""

    def __init__(self, window: int = 40, max_period: int = 16) -> None:
        self.window = window
        self.max_period = max_period
        self._rows: list[bytes] = []

    def push(self, frame_codes: np.ndarray) -> bool:
        """Add one frame (16 codes); True when the recent frames form a degenerate loop."""
        if self.window <= 0:
            return False
        self._rows.append(np.asarray(frame_codes, dtype=np.int64).tobytes())
        rows = self._rows
        if len(rows) < self.window + 1:
            return False
        if len(rows) > self.window + self.max_period + 1:
            del rows[0]
        tail = rows[-self.window:]
        for period in range(1, self.max_period + 1):
            if len(rows) < self.window + period:
                break
            if all(tail[i] == rows[-self.window - period + i] for i in range(self.window)):
                return True
        return False


class SilenceTrimmer:
    """Streams audio through while holding back silence, so leading/trailing silence can be trimmed.

    Audio after the last loud sample is kept pending; it is released when speech resumes, and cut to a short
    tail at the end. `silence_run_s` tells the guard how long the current silence has lasted.
    """

    def __init__(self, sample_rate: int, threshold_db: float = -45.0, enabled: bool = True,
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
