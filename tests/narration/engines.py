"""Engine doubles for narration tests: a streaming tone engine whose chunks the test can hold back."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from tests.helpers import ToneEngine


@dataclass
class Chunk:
    samples: np.ndarray
    sample_rate: int
    start: int


class StreamingToneEngine(ToneEngine):
    """ToneEngine with `synthesize_stream` (as the fast engine): each clip in chunks of chunk_s seconds.

    With gated=True every chunk after the first waits until the test calls release(), so a test can look at
    the player while a sentence is still being generated. chunk_delay_s slows every chunk (a long batch)."""

    def __init__(self, chunk_s: float = 0.1, gated: bool = False, chunk_delay_s: float = 0.0, **kw):
        super().__init__(**kw)
        self.chunk_s = chunk_s
        self.gate = threading.Event()
        if not gated:
            self.gate.set()
        self.chunk_delay_s = chunk_delay_s
        self.stream_calls: list[list[str]] = []
        self.chunks_yielded = 0

    def release(self) -> None:
        self.gate.set()

    def synthesize_stream(self, requests):
        texts = [r.text for r in requests]
        with self.lock:
            self.stream_calls.append(texts)
        clips = ToneEngine.synthesize(self, requests)  # records the texts in self.calls too
        step = int(self.chunk_s * self.sample_rate)
        for index, clip in enumerate(clips):
            n = len(clip.samples)
            for start in range(0, n, step):
                if start:
                    self.gate.wait()
                if self.chunk_delay_s:
                    threading.Event().wait(self.chunk_delay_s)
                self.chunks_yielded += 1
                yield index, Chunk(clip.samples[start:start + step], self.sample_rate, start), start + step >= n
