"""Runaway guard: degenerate-loop detection (the frame budget is tts/budget.py, silence tts/silence.py).

Qwen3-TTS sometimes misses EOS and then keeps talking (or humming, or stays silent) for minutes; these checks
bound every sentence. Numpy only: they run on the host over codes as they stream out.
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
