"""Engine doubles at the seam for narration logic tests: a tone engine, and a streaming one whose chunks wait.

The tone engine is a test double at the engine seam (reader_app.tts.engine.SpeechEngine) for scheduling
and playback logic, where the audio content does not matter; the real Qwen engine is exercised on tiny
checkpoints in tests/tts and in the end-to-end tests.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Sequence

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.tts.engine import AudioChunk, ClipCallback, StreamEvent, SynthesisRequest


class ToneEngine:
    """Deterministic clips: a tone whose length follows the text (0.02 s per character)."""

    sample_rate = 24_000

    def __init__(self, seconds_per_char: float = 0.02, delay_s: float = 0.0, fail_on: set[str] | None = None):
        self.seconds_per_char = seconds_per_char
        self.delay_s = delay_s
        self.fail_on = fail_on or set()
        self.calls: list[list[str]] = []
        self.lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return "tone-engine"

    @property
    def settings(self) -> dict:
        return {}

    def synthesize(self, requests: Sequence[SynthesisRequest], *, cancel: threading.Event | None = None,
                   on_clip: ClipCallback | None = None) -> list[AudioClip]:
        # Like any engine that cannot stop mid-batch, it finishes the batch: `cancel` is never checked.
        texts = [r.text for r in requests]
        with self.lock:
            self.calls.append(texts)
        if self.delay_s:
            threading.Event().wait(self.delay_s)
        clips = []
        for i, text in enumerate(texts):
            if text in self.fail_on:
                raise RuntimeError(f"cannot say {text!r}")
            n = int(len(text) * self.seconds_per_char * self.sample_rate)
            t = np.arange(n, dtype=np.float32) / self.sample_rate
            clip = AudioClip((0.3 * np.sin(2 * np.pi * (200 + len(text)) * t)).astype(np.float32), self.sample_rate)
            clips.append(clip)
            if on_clip:
                on_clip(i, clip)
        return clips

    def synthesized_texts(self) -> list[str]:
        with self.lock:
            return [t for call in self.calls for t in call]


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

    def synthesize_stream(self, requests: Sequence[SynthesisRequest]) -> Generator[StreamEvent, None, None]:
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
                chunk = AudioChunk(clip.samples[start:start + step], self.sample_rate, start)
                yield StreamEvent(index, chunk, start + step >= n)


def take_tone(text: str, take: int, sample_rate: int = 24_000) -> AudioClip:
    """The clip TakeToneEngine makes: a tone per text whose pitch also follows the take."""
    t = np.arange(int(len(text) * 0.02 * sample_rate), dtype=np.float32) / sample_rate
    return AudioClip((0.3 * np.sin(2 * np.pi * (200 + len(text) + 150 * take) * t)).astype(np.float32),
                     sample_rate)


class TakeToneEngine(ToneEngine):
    """A tone engine whose every take sounds different (regeneration tests); `takes` lists the takes asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.takes: list[int] = []

    def synthesize(self, requests: Sequence[SynthesisRequest], *, cancel: threading.Event | None = None,
                   on_clip: ClipCallback | None = None) -> list[AudioClip]:
        with self.lock:
            self.calls.append([r.text for r in requests])
            self.takes.extend(r.take for r in requests)
        clips = []
        for i, request in enumerate(requests):
            clip = take_tone(request.text, request.take, self.sample_rate)
            clips.append(clip)
            if on_clip:
                on_clip(i, clip)
        return clips
