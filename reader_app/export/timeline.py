"""What an export lays end to end: each sentence's clip and the pause the narrator plays after it, by chapter.

The clip keys and the pauses come from the NarrationPlan, so an export sounds like the app and reuses exactly the
clips the app cached. Times are in samples of the clips' rate, so chapter marks fall on a sentence's first sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reader_app.books.model import Book
from reader_app.narration.config import NarrationConfig
from reader_app.narration.plan import NarrationPlan
from reader_app.store.book_cache import BookCache
from reader_app.store.clip_key import ClipKey


@dataclass(frozen=True)
class Segment:
    """One sentence in the export: its clip, then `pause_s` of silence (0 after the last one)."""

    sentence_index: int  # in reading order across the book
    key: ClipKey
    pause_s: float


@dataclass(frozen=True)
class ExportChapter:
    index: int  # 0-based chapter of the book
    title: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Timeline:
    chapters: tuple[ExportChapter, ...]

    def keys(self) -> list[ClipKey]:
        return [s.key for c in self.chapters for s in c.segments]


def build_timeline(book: Book, cache: BookCache, config: NarrationConfig, chapters: Sequence[int]) -> Timeline:
    """The chapters asked for (0-based, in order), each with its sentences; empty chapters are left out."""
    plan = NarrationPlan(book.sentences(), config, cache.cached_digests)
    first_index = []  # reading-order index of each chapter's first sentence
    count = 0
    for chapter in book.chapters:
        first_index.append(count)
        count += len(chapter.sentences)
    built = []
    last = max((c for c in chapters if book.chapters[c].sentences), default=None)
    for c in chapters:
        chapter = book.chapters[c]
        if not chapter.sentences:
            continue
        indices = range(first_index[c], first_index[c] + len(chapter.sentences))
        segments = tuple(Segment(i, plan.key(i), 0.0 if (c == last and i == indices[-1]) else plan.pause_after(i))
                         for i in indices)
        built.append(ExportChapter(c, chapter.title or f"Chapter {c + 1}", segments))
    return Timeline(tuple(built))


def without_trailing_pauses(chapter: ExportChapter) -> ExportChapter:
    """The chapter as a file of its own: nothing after its last sentence."""
    if not chapter.segments:
        return chapter
    *head, tail = chapter.segments
    return ExportChapter(chapter.index, chapter.title,
                         (*head, Segment(tail.sentence_index, tail.key, 0.0)))
