"""The narration plan: what every sentence of the book needs for narration, and what is known about its audio.

Pure data and logic (no threads, no clock, no Qt), so readiness and pauses are tested directly. Per sentence in
reading order: how it is rendered (narration/rendering.py: text, voice, take), its ClipKey, the pause that follows
it, whether its clip is cached (with its duration once known) and whether it was skipped after failing. A plan
belongs to one NarrationConfig: a voice, model or setting change builds a new one. The Narrator reads and changes
its plan only under its lock; a worker that captured a plan may read the parts that never change (keys,
renderings, texts, pauses, config).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum

from reader_app.books.model import Sentence
from reader_app.narration.config import NarrationConfig
from reader_app.narration.rendering import Renderer
from reader_app.narration.scheduler import PlannedSentence, Scheduler
from reader_app.store.clip_key import ClipKey
from reader_app.tts.engine import SynthesisRequest


class Boundary(StrEnum):
    """What follows a sentence, which decides the pause after it."""

    SENTENCE = "sentence"
    PARAGRAPH = "paragraph"
    CHAPTER = "chapter"  # also after the last sentence of the book


def boundary_after(sentences: Sequence[Sentence], index: int) -> Boundary:
    sentence = sentences[index]
    following = sentences[index + 1] if index + 1 < len(sentences) else None
    if following is None or following.chapter_index != sentence.chapter_index:
        return Boundary.CHAPTER
    if following.paragraph_index != sentence.paragraph_index:
        return Boundary.PARAGRAPH
    return Boundary.SENTENCE


@dataclass(frozen=True)
class PlayerItem:
    """A sentence as the narrator queues it on the player: sentence `index`, queued in seek `epoch`. A sentence
    streamed from the engine is queued in pieces: chunk > 0 are its later ones (it starts with chunk 0)."""

    epoch: int
    index: int
    chunk: int = 0


class NarrationPlan:
    def __init__(self, sentences: Sequence[Sentence], config: NarrationConfig,
                 cached_digests: Callable[[Sequence[ClipKey]], set[str]]) -> None:
        """cached_digests: which of these keys the store holds (ClipCache.cached_digests)."""
        self.config = config
        renderer = Renderer(config)
        self.renderings = tuple(renderer.render(s) for s in sentences)
        self.keys = tuple(renderer.key(r) for r in self.renderings)
        self.items = tuple(PlannedSentence(i, key.digest, r.text)
                           for i, (r, key) in enumerate(zip(self.renderings, self.keys, strict=True)))
        self.renderer = renderer  # keys and requests each sentence; knows the voices it narrates with
        self.boundaries = tuple(boundary_after(sentences, i) for i in range(len(sentences)))
        seconds = {Boundary.SENTENCE: config.pause_sentence_s, Boundary.PARAGRAPH: config.pause_paragraph_s,
                   Boundary.CHAPTER: config.pause_chapter_s}
        self._pauses = tuple(seconds[b] for b in self.boundaries)
        self._indices: dict[str, list[int]] = {}  # digest -> sentences that share it (identical texts)
        for item in self.items:
            self._indices.setdefault(item.digest, []).append(item.index)
        # Cached digests -> seconds; None until the clip is decoded (the scheduler estimates from the text).
        self._cached: dict[str, float | None] = dict.fromkeys(cached_digests(self.keys))
        self._skipped: set[str] = set()  # failed every try
        self._unavailable: set[str] = set()  # no engine to make them (for now)

    def __len__(self) -> int:
        return len(self.items)

    def key(self, index: int) -> ClipKey:
        return self.keys[index]

    def request(self, index: int, priority: int = 0) -> SynthesisRequest:
        """What the engine is asked for this sentence: its rendered text, in its voice (priority: how urgent,
        lower first, where the engine queues requests)."""
        return dataclasses.replace(self.renderer.request(self.renderings[index]), priority=priority)

    def pause_after(self, index: int) -> float:
        return self._pauses[index]

    # -- readiness ---------------------------------------------------------------------------------------
    def is_ready(self, index: int) -> bool:
        """Its clip is cached (in the store, or kept in memory by the narrator)."""
        return self.items[index].digest in self._cached

    def is_cached(self, digest: str) -> bool:
        return digest in self._cached

    def duration_of(self, digest: str) -> float | None:
        """Seconds of a cached clip once known, else None."""
        return self._cached.get(digest) or None

    def ready_ahead_s(self, cursor: int) -> float:
        """Seconds of audio ready from `cursor` onwards without a gap (cached clips of unknown length count 0)."""
        total = 0.0
        for item in self.items[cursor:]:
            if item.digest not in self._cached:
                break
            total += self._cached[item.digest] or 0.0
        return total

    def mark_ready(self, digest: str, seconds: float) -> list[int]:
        """A clip of this digest exists and lasts `seconds`; returns the sentences that share it (none when the
        digest belongs to another plan)."""
        indices = self._indices.get(digest, [])
        if indices:
            self._cached[digest] = seconds
        return list(indices)

    def mark_stored(self, digest: str) -> list[int]:
        """Another worker stored a clip of this digest (its length is learnt when it is decoded); returns the
        sentences that share it (none when the digest is not this plan's)."""
        indices = self._indices.get(digest, [])
        if indices:
            self._cached.setdefault(digest, None)
        return list(indices)

    def learn_from(self, older: NarrationPlan) -> None:
        """Take over what an older plan knew of clips both share (the same digest is the same audio): one stored
        while this plan was being built is then not generated twice."""
        for digest, seconds in older._cached.items():
            if digest in self._indices and self._cached.get(digest) is None:
                self._cached[digest] = seconds

    def mark_missing(self, digest: str) -> None:
        """The clip vanished from the store (evicted or cleared): it is generated again."""
        self._cached.pop(digest, None)

    # -- failures ----------------------------------------------------------------------------------------
    def skip(self, index: int) -> None:
        """The sentence kept failing: left out for as long as this plan lasts."""
        self._skipped.add(self.items[index].digest)

    def skip_unavailable(self, index: int) -> None:
        """No engine can make its audio now (no model, or it failed to load): left out until
        forget_unavailable (a seek asks the engine again)."""
        self._unavailable.add(self.items[index].digest)

    def forget_unavailable(self) -> None:
        self._unavailable.clear()

    def is_skipped(self, index: int) -> bool:
        """Left out of playback: failed or unavailable, and no clip turned up for it since."""
        digest = self.items[index].digest
        return (digest in self._skipped or digest in self._unavailable) and digest not in self._cached

    def first_playable(self, start: int) -> int:
        """The first sentence from `start` on that is not skipped; len(self) when none is left."""
        index = start
        while index < len(self.items) and self.is_skipped(index):
            index += 1
        return index

    def next_batch(self, scheduler: Scheduler, cursor: int, in_flight: AbstractSet[str]) -> list[int]:
        """What to synthesize next (see Scheduler.next_batch)."""
        if not self.items:
            return []
        return scheduler.next_batch(self.items, cursor, self.is_cached, in_flight,
                                    self._skipped | self._unavailable, self.duration_of)
