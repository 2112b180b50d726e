"""Books and clips made in memory for the store tests (also imported by the subprocess children)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.books.model import Book, BookMetadata, Chapter, Sentence


def make_book(n_chapters: int = 2, per_chapter: int = 5, title: str = "Test Book", path: Path | None = None,
              seed: str = "a", parser_version: int = 1) -> Book:
    chapters = []
    for c in range(n_chapters):
        sentences = tuple(Sentence(id=f"c{c}s{i}", text=f"Sentence {i} of chapter {c} ({seed}).", chapter_index=c,
                                   index=i, paragraph_index=i // 2) for i in range(per_chapter))
        chapters.append(Chapter(c, f"Chapter {c + 1}", sentences))
    return Book(path=path or Path(f"/books/{title}.txt"), fingerprint=hashlib.sha256(seed.encode()).hexdigest(),
                format="txt", metadata=BookMetadata(title=title, authors=("A. Writer",), language="en",
                                                    cover_image=b"\x89PNGfake", cover_media_type="image/png"),
                chapters=tuple(chapters), parser_version=parser_version, tts_language="English")


def noise_clip(seconds: float = 1.0, seed: int = 0, rate: int = 24_000) -> AudioClip:
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * rate)) / rate
    samples = 0.3 * np.sin(2 * np.pi * (150 + 50 * seed % 7) * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
    samples += 0.05 * rng.standard_normal(len(t))
    return AudioClip(samples.astype(np.float32), rate)
