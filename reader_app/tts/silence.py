"""Silence at the edges of generated speech: one trimmer for both engines (pure numpy).

The narrator inserts its own pauses between sentences, so the model's own silence at the edges would double
them. A short margin is kept so consonants at the edges are not clipped. The engines judge "speech" by two
rules, kept as they were so each engine's audio stays the same (and its cached clips stay valid):
- the fast engine streams through SilenceTrimmer, where speech is any sample louder than THRESHOLD_DB
  (absolute, so it can be decided while audio streams, before the loudest part is known); its guard watches
  `silence_run_s`;
- the stock engine trims each finished clip with trim_silence: the same trimmer, fed whole clips, where speech
  is a 10 ms window within RELATIVE_DB of the clip's loudest window (and above ABSOLUTE_FLOOR).
"""

from __future__ import annotations

import numpy as np

THRESHOLD_DB = -45.0  # streaming (fast engine): samples under this many dBFS are silence
# Whole clips (stock engine): 10 ms windows this far below the loudest one, or under the floor, are silence.
WINDOW_S = 0.01
RELATIVE_DB = -40.0
ABSOLUTE_FLOOR = 1e-3  # RMS
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

    def push(self, samples: np.ndarray, speech: np.ndarray | None = None) -> np.ndarray:
        """The audio that can be released now. speech: which of `samples` are speech (a bool per sample);
        by default the ones louder than the threshold."""
        samples = np.asarray(samples, dtype=np.float32)
        if not self.enabled:
            return samples
        if speech is None:
            speech = np.abs(samples) > self.threshold
        # Held-back audio is silence by construction, so only the new samples can hold speech.
        loud = np.flatnonzero(speech) + len(self._pending)
        buf = np.concatenate([self._pending, samples]) if len(self._pending) else samples
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


def trim_silence(samples: np.ndarray, sample_rate: int, relative_db: float = RELATIVE_DB,
                 floor: float = ABSOLUTE_FLOOR, margin_s: float = CLIP_MARGIN_S) -> np.ndarray:
    """A whole clip without the silent stretches at both ends. All-silent input comes back unchanged."""
    speech = _speech_windows(samples, sample_rate, relative_db, floor)
    if not speech.any():
        return samples
    trimmer = SilenceTrimmer(sample_rate, lead_keep_s=margin_s, tail_keep_s=margin_s)
    return np.concatenate([trimmer.push(samples, speech), trimmer.finish()])


def _speech_windows(samples: np.ndarray, sample_rate: int, relative_db: float, floor: float) -> np.ndarray:
    """A bool per sample: its 10 ms window is within relative_db of the loudest one and above the floor (a
    trailing part window never counts as speech)."""
    speech = np.zeros(samples.size, dtype=bool)
    window = max(1, int(sample_rate * WINDOW_S))
    count = samples.size // window
    if count == 0:
        return speech
    frames = samples[: count * window].astype(np.float32).reshape(count, window)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    threshold = max(float(rms.max()) * 10 ** (relative_db / 20.0), floor)
    speech[: count * window] = np.repeat(rms >= threshold, window)
    return speech
