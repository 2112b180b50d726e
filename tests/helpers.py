"""Test helpers shared across packages: books built in memory, and a tone engine for narration logic tests.

The tone engine is a test double at the engine seam (reader_app.tts.engine.SpeechEngine) for scheduling
and playback logic, where the audio content does not matter; the real Qwen engine is exercised on tiny
checkpoints in tests/tts and in the end-to-end tests.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.books.model import Book, BookMetadata, Chapter, Sentence


def make_book(chapters: list[list[list[str]]], title: str = "Test Book") -> Book:
    """chapters -> paragraphs -> sentence texts."""
    built = []
    for ci, paragraphs in enumerate(chapters):
        sentences = []
        for pi, paragraph in enumerate(paragraphs):
            for text in paragraph:
                sid = hashlib.sha1(f"{ci}:{len(sentences)}:{text}".encode()).hexdigest()[:16]
                sentences.append(Sentence(sid, text, ci, len(sentences), pi))
        built.append(Chapter(ci, f"Chapter {ci + 1}", tuple(sentences)))
    fingerprint = hashlib.sha256(repr(chapters).encode()).hexdigest()
    return Book(Path(f"/tmp/{title}.txt"), fingerprint, "txt", BookMetadata(title, ("Anon",), "en"),
                tuple(built), parser_version=1, tts_language="English")


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

    def synthesize(self, requests, on_clip=None):
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
