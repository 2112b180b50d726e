"""Regenerating a sentence: new takes made, stored and kept (the command line's `regen` and the window's worker).

Qt-free. A take is a clip like any other: its key is the sentence's key with its take number added (rendering.py),
so every take stays in the cache side by side and switching the kept take is a row in the book's `takes` table
(store/takes.py), no audio moved. Each take is synthesized alone: the engines give a take n > 0 its own seed
(tts/engine.take_seed), so take 1 sounds the same each time it is made, and unlike take 0.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass

from reader_app.audio.clip import AudioClip
from reader_app.books.model import Book, Sentence
from reader_app.narration.config import EngineProvider, NarrationConfig
from reader_app.narration.rendering import Renderer
from reader_app.store.book_cache import BookCache
from reader_app.store.clip_key import ClipKey
from reader_app.store.takes import TakeRecord
from reader_app.tts.engine import EngineError, SpeechEngine


class Cancelled(Exception):
    """The work was cancelled before every take asked for was made (those made are stored)."""


@dataclass(frozen=True)
class TakeResult:
    index: int  # the sentence, in reading order
    sentence_id: str
    takes: list[int]  # the takes this call made, in order
    kept: int  # the take kept now
    made: int  # takes 0 .. made-1 exist

    def as_json(self, book: Book) -> dict:
        sentence = book.sentences()[self.index]
        return {"sentence": {"index": self.index, "id": self.sentence_id, "chapter": sentence.chapter_index + 1,
                             "number": sentence.index + 1, "text": sentence.text},
                "takes": self.takes, "kept": self.kept, "made": self.made}


class TakeMaker:
    """New takes of a book's sentences, with the narration's config (voice, model, lexicon, character voices)."""

    def __init__(self, book: Book, cache: BookCache, config: NarrationConfig,
                 engine_provider: EngineProvider | None, cancel: threading.Event | None = None) -> None:
        self.book = book
        self.cache = cache
        self.config = config
        self.engine_provider = engine_provider
        self.cancel = cancel or threading.Event()
        self._renderer = Renderer(config)
        self._sentences = book.sentences()
        self._engine: SpeechEngine | None = None

    def sentence(self, index: int) -> Sentence:
        if not 0 <= index < len(self._sentences):
            raise ValueError(f"there is no sentence {index + 1} in this book ({len(self._sentences)} sentences)")
        return self._sentences[index]

    def record(self, index: int) -> TakeRecord:
        return self.cache.takes.get(self.sentence(index).id)

    def key(self, index: int, take: int) -> ClipKey:
        rendering = dataclasses.replace(self._renderer.render(self.sentence(index)), take=take)
        return self._renderer.key(rendering)

    def clip(self, index: int, take: int) -> AudioClip | None:
        """A take's audio from the cache (None when it was not made, or was evicted)."""
        return self.cache.get_clip(self.key(index, take))

    def make(self, index: int, count: int = 1, keep: int | None = None,
             on_take: Callable[[int], None] | None = None) -> TakeResult:
        """`count` new takes of sentence `index`, each stored as it is made; then `keep` is kept (default: the
        last new take). on_take(n) after take n is stored. Cancelled: the takes made so far are kept in the
        cache, and the kept take does not change."""
        sentence = self.sentence(index)
        numbers = self.cache.takes.reserve(sentence.id, count)
        for number in numbers:
            if self.cancel.is_set():
                raise Cancelled(f"cancelled after {number - numbers[0]} of {count} takes")
            self._make_one(index, number)
            if on_take is not None:
                on_take(number)
        kept = self.cache.takes.keep(sentence.id, numbers[-1] if keep is None else keep)
        return TakeResult(index, sentence.id, numbers, kept.kept, kept.made)

    def keep(self, index: int, take: int) -> TakeResult:
        """Switch the kept take among those made (0 is the original)."""
        sentence = self.sentence(index)
        kept = self.cache.takes.keep(sentence.id, take)
        return TakeResult(index, sentence.id, [], kept.kept, kept.made)

    def mark_bad(self, index: int) -> TakeRecord:
        """Queue the sentence for regeneration: narration makes its new take when it reaches it."""
        return self.cache.takes.mark_bad(self.sentence(index).id)

    def marked_indices(self) -> list[int]:
        """The sentences marked bad and not yet settled, in reading order."""
        marked = set(self.cache.takes.marked())
        return [i for i, s in enumerate(self._sentences) if s.id in marked]

    def regenerate_marked(self, on_done: Callable[[int], None] | None = None) -> list[int]:
        """Make the pending take of every sentence marked bad (unless narration made it already) and settle it.
        Returns the sentences settled; on_done(index) after each."""
        settled: list[int] = []
        for index in self.marked_indices():
            if self.cancel.is_set():
                raise Cancelled(f"cancelled after {len(settled)} marked sentences")
            record = self.record(index)
            if not self.cache.has_clip(self.key(index, record.kept)):
                self._make_one(index, record.kept)
            self.cache.takes.settle(record.sentence_id)
            settled.append(index)
            if on_done is not None:
                on_done(index)
        return settled

    def _make_one(self, index: int, take: int) -> None:
        sentence = self.sentence(index)
        rendering = dataclasses.replace(self._renderer.render(sentence), take=take)
        clips = self._engine_now().synthesize([self._renderer.request(rendering)], cancel=self.cancel)
        if not clips:
            raise Cancelled("cancelled while a take was being made")
        self.cache.put_clip(self._renderer.key(rendering), clips[0], sentence_id=sentence.id)

    def _engine_now(self) -> SpeechEngine:
        if self._engine is None:
            if self.engine_provider is None:
                raise EngineError("No model is configured: choose a model folder to make new takes.")
            self._engine = self.engine_provider()
        return self._engine
