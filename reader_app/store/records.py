"""Plain values the store hands out: what the GUI, the CLI and the scheduler read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reader_app.store.errors import StoreProblem


@dataclass(frozen=True)
class Position:
    """Where the reader is: a sentence, and how far into its audio (seconds)."""

    sentence_id: str
    offset_s: float = 0.0


@dataclass
class BookRecord:
    id: str  # the fingerprint (sha256) of the first file of this book the library saw; stays when the file changes
    title: str
    authors: tuple[str, ...]
    path: Path
    format: str
    language: str | None
    tts_language: str
    cover: bytes | None
    cover_media_type: str | None
    sentence_count: int
    parser_version: int
    added_at: float  # Unix time
    opened_at: float | None


@dataclass(frozen=True)
class CacheStats:
    sentences: int = 0
    clips: int = 0
    audio_seconds: float = 0.0
    size_bytes: int = 0  # the cache file on disk (database + write-ahead log)
    audio_bytes: int = 0  # compressed audio inside it: what the cache limits count


@dataclass(frozen=True)
class CacheLimits:
    per_book_bytes: int | None = 1024**3  # None: no limit
    total_bytes: int | None = 5 * 1024**3


@dataclass(frozen=True)
class Notice:
    """Something the user should be told once (a damaged file set aside, a read-only folder, lost audio)."""

    reason: StoreProblem
    message: str  # one line

    def __str__(self) -> str:
        return self.message
