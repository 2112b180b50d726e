"""A cached book to export: two chapters of speech-like clips, the same in the test and its child process."""

from __future__ import annotations

from reader_app.books.model import Book
from reader_app.narration.plan import NarrationPlan
from reader_app.store import BookCache
from reader_app.tts.engine import VoiceSpec
from tests.support.audio import noise_clip
from tests.support.books import make_book
from tests.support.narration import config

EXPORT_CONFIG = config(voice=VoiceSpec(speaker="ryan"))


def export_book(sentences_per_chapter: int = 10) -> Book:
    return make_book(n_chapters=2, per_chapter=sentences_per_chapter, title="Disk Full")


def fill_cache(cache: BookCache, book: Book, seconds: float = 3.0) -> None:
    plan = NarrationPlan(book.sentences(), EXPORT_CONFIG, cache.cached_digests)
    for i in range(book.sentence_count()):
        cache.put_clip(plan.key(i), noise_clip(seconds, seed=i))
