"""The parsed book: chapters of sentences, the unit the cache, the scheduler and the GUI share.

Plain frozen dataclasses, Qt-free and torch-free, so every layer can import them cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Sentence:
    """One speakable unit: what a single TTS call narrates. Slotted: a long book holds 100,000s of them."""

    id: str  # stable across re-parsing the same file (the cache and saved positions rely on it)
    text: str
    chapter_index: int  # 0-based
    index: int  # 0-based position within the chapter
    paragraph_index: int  # 0-based paragraph within the chapter (pauses after paragraphs)


@dataclass(frozen=True, slots=True)
class Chapter:
    index: int  # 0-based
    title: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class BookMetadata:
    title: str
    authors: tuple[str, ...] = ()
    language: str | None = None  # BCP 47 tag as found or detected, e.g. "en", "zh-CN"
    cover_image: bytes | None = None
    cover_media_type: str | None = None
    year: str | None = None  # of publication, four digits, when the book says (EPUB dc:date)


@dataclass(frozen=True)
class Book:
    path: Path
    fingerprint: str  # sha256 of the file's bytes: identifies the book across renames
    format: str  # "epub" | "txt"
    metadata: BookMetadata
    chapters: tuple[Chapter, ...]
    parser_version: int
    tts_language: str = "auto"  # the model's language name: "English", "Chinese", ... or "auto"
    warnings: tuple[str, ...] = ()  # for the user, one line each: e.g. a language the model does not speak
    sentence_by_id: dict[str, Sentence] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.sentence_by_id:
            for chapter in self.chapters:
                for sentence in chapter.sentences:
                    self.sentence_by_id[sentence.id] = sentence

    @property
    def title(self) -> str:
        return self.metadata.title

    def sentences(self) -> list[Sentence]:
        """All sentences in reading order."""
        return [s for chapter in self.chapters for s in chapter.sentences]

    def sentence_count(self) -> int:
        return sum(len(chapter.sentences) for chapter in self.chapters)
