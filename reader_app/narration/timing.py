"""Listening time: where a sentence falls on the book's timeline, elapsed and remaining time, and ±30 s moves.

Qt-free and pure (no threads, no store access of its own). The timeline is what the narrator plays: each
sentence's clip, then the pause after it (the NarrationPlan's). A clip's length is its cached duration where
known, else estimated from its text at `chars_per_s`: calibrated from this book's cached clips when there are
enough of them, else DEFAULT_CHARS_PER_S. Times here are at speed 1.0; the window divides by the speed (the
player stretches clips, never the pauses, but a pause is short next to a book, so all of it is divided).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from reader_app.books.model import Sentence
from reader_app.narration.config import NarrationConfig
from reader_app.narration.plan import NarrationPlan
from reader_app.store.clip_key import ClipKey

# Measured on Qwen3-TTS voices reading English prose at speed 1.0: about 14-15 characters per second.
DEFAULT_CHARS_PER_S = 14.5
CALIBRATION_MIN_CLIPS = 20  # fewer cached clips than this (or than the characters below) say too little
CALIBRATION_MIN_CHARS = 1500
CALIBRATION_RANGE = (5.0, 40.0)  # a calibration outside this (a broken model, silence) is not believed
TIME_LEFT_SETTING = "time_left_s"  # book setting: listening time left, at the speed then set (library cards)


def calibrated_chars_per_s(samples: Iterable[tuple[str, float]]) -> float:
    """Characters per second of speech from (text, seconds) of cached clips; the default with too few."""
    chars = seconds = 0.0
    count = 0
    for text, duration in samples:
        if duration > 0:
            chars += len(text)
            seconds += duration
            count += 1
    if count < CALIBRATION_MIN_CLIPS or chars < CALIBRATION_MIN_CHARS or seconds <= 0:
        return DEFAULT_CHARS_PER_S
    rate = chars / seconds
    low, high = CALIBRATION_RANGE
    return rate if low <= rate <= high else DEFAULT_CHARS_PER_S


@dataclass(frozen=True)
class Span:
    """A stretch of the timeline, seconds at speed 1.0."""

    elapsed_s: float
    total_s: float

    @property
    def left_s(self) -> float:
        return max(self.total_s - self.elapsed_s, 0.0)


class ListeningTimeline:
    """Sentence i occupies [start(i), start(i + 1)): its clip (known or estimated), then its pause."""

    def __init__(self, texts: Sequence[str], chapters: Sequence[int], pauses: Sequence[float],
                 durations: Sequence[float | None], chars_per_s: float = DEFAULT_CHARS_PER_S) -> None:
        """Per sentence in reading order: its text, chapter index, pause after it, and its clip's seconds (None
        when not cached)."""
        if not len(texts) == len(chapters) == len(pauses) == len(durations):
            raise ValueError("one text, chapter, pause and duration per sentence")
        if chars_per_s <= 0:
            raise ValueError(f"characters per second must be positive, not {chars_per_s}")
        self.chars_per_s = chars_per_s
        self._lengths = [len(t) for t in texts]
        self._chapters = list(chapters)
        self._pauses = [max(float(p), 0.0) for p in pauses]
        self._durations: list[float | None] = list(durations)
        self._starts: list[float] = []
        self._dirty = True
        # First sentence of each chapter present (chapters may be empty: they have no sentences here).
        self._chapter_first: dict[int, int] = {}
        self._chapter_end: dict[int, int] = {}
        for i, c in enumerate(self._chapters):
            self._chapter_first.setdefault(c, i)
            self._chapter_end[c] = i + 1

    def __len__(self) -> int:
        return len(self._lengths)

    # -- what is known -----------------------------------------------------------------------------------
    def set_duration(self, index: int, seconds: float | None) -> None:
        """A clip was stored (or evicted: None)."""
        if self._durations[index] != seconds:
            self._durations[index] = seconds
            self._dirty = True

    def set_chars_per_s(self, chars_per_s: float) -> None:
        if chars_per_s > 0 and chars_per_s != self.chars_per_s:
            self.chars_per_s = chars_per_s
            self._dirty = True

    def is_known(self, index: int) -> bool:
        return self._durations[index] is not None

    def known_share(self) -> float:
        """The share of sentences whose length is measured (not estimated)."""
        return sum(d is not None for d in self._durations) / len(self._durations) if self._durations else 1.0

    def clip_s(self, index: int) -> float:
        known = self._durations[index]
        return known if known is not None else self._lengths[index] / self.chars_per_s

    def _timeline(self) -> list[float]:
        if self._dirty:
            spans = (self.clip_s(i) + self._pauses[i] for i in range(len(self._lengths)))
            self._starts = [0.0, *itertools.accumulate(spans)]
            self._dirty = False
        return self._starts

    # -- positions ---------------------------------------------------------------------------------------
    def start(self, index: int) -> float:
        return self._timeline()[min(max(index, 0), len(self))]

    def total_s(self) -> float:
        return self._timeline()[-1]

    def at(self, index: int, offset_s: float = 0.0) -> float:
        """The time of `offset_s` into sentence `index` (the offset is kept within the sentence)."""
        starts = self._timeline()
        if not self._lengths:
            return 0.0
        index = min(max(index, 0), len(self) - 1)
        return min(starts[index] + max(offset_s, 0.0), starts[index + 1])

    def sentence_at(self, seconds: float) -> int:
        """The sentence playing at this time (the first before the start, the last after the end)."""
        if not self._lengths:
            return 0
        starts = self._timeline()
        return min(max(bisect.bisect_right(starts, seconds) - 1, 0), len(self) - 1)

    def chapter(self, index: int, offset_s: float = 0.0) -> Span:
        """Elapsed and total time of the chapter of sentence `index`."""
        if not self._lengths:
            return Span(0.0, 0.0)
        chapter = self._chapters[min(max(index, 0), len(self) - 1)]
        begin = self.start(self._chapter_first[chapter])
        end = self.start(self._chapter_end[chapter])
        return Span(self.at(index, offset_s) - begin, end - begin)

    def book(self, index: int, offset_s: float = 0.0) -> Span:
        return Span(self.at(index, offset_s), self.total_s())

    def shifted(self, index: int, offset_s: float, delta_s: float) -> int:
        """The sentence to move to for a jump of delta_s from `offset_s` into sentence `index`: the one holding
        the time delta_s away (its start: the narrator plays whole clips). Forward always moves on at least one
        sentence (a long one would otherwise send us back to its own start); back from the first seconds of a
        sentence reaches the one before it."""
        if not self._lengths:
            return 0
        target = self.sentence_at(self.at(index, offset_s) + delta_s)
        if delta_s > 0:
            return min(max(target, index + 1), len(self) - 1)
        return min(target, index)


def timeline_for_plan(sentences: Sequence[Sentence], plan: NarrationPlan,
                      clip_durations: Callable[[Iterable[ClipKey]], dict[str, float]],
                      chars_per_s: float | None = None) -> ListeningTimeline:
    """The timeline of a book under a plan: durations of its cached clips from the store
    (BookCache.clip_durations), characters per second calibrated from them unless given."""
    keys = [plan.key(i) for i in range(len(plan))]
    known = clip_durations(keys)
    durations = [known.get(k.digest) for k in keys]
    if chars_per_s is None:
        chars_per_s = calibrated_chars_per_s((k.text, d) for k, d in zip(keys, durations, strict=True)
                                             if d is not None)
    return ListeningTimeline([s.text for s in sentences], [s.chapter_index for s in sentences],
                             [plan.pause_after(i) for i in range(len(plan))], durations, chars_per_s)


def build_timeline(sentences: Sequence[Sentence], config: NarrationConfig,
                   clip_durations: Callable[[Iterable[ClipKey]], dict[str, float]]) -> ListeningTimeline:
    """As timeline_for_plan, planning the keys the narrator would use for this config (no store query for
    readiness: only the durations are asked)."""
    plan = NarrationPlan(sentences, config, lambda _keys: set())
    return timeline_for_plan(sentences, plan, clip_durations)


def format_clock(seconds: float) -> str:
    """12:04, or 1:02:09 past an hour."""
    total = int(max(seconds, 0.0) + 0.5)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_duration(seconds: float) -> str:
    """Compact: '6 h 12 min', '45 min', '40 s'."""
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds / 60 + 0.5)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
