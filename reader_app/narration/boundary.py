"""Where "pause at the end of this chapter" stops: before the next chapter's first sentence (its heading).

Pure bookkeeping, no threads: the narrator keeps one ChapterStop under its lock, its feeder stops handing
sentences to the player at the boundary, and once the player has played everything before it the narrator
pauses. Stopping at the feeder, not on a "sentence started" report, is what keeps the heading unheard: by the
time a listener hears about the next chapter, its first sentence is already playing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from reader_app.books.model import Sentence


class ChapterStop:
    def __init__(self, sentences: Sequence[Sentence]) -> None:
        self._count = len(sentences)
        # Index of each chapter's first sentence, in reading order.
        self._starts = [i for i, s in enumerate(sentences)
                        if i == 0 or s.chapter_index != sentences[i - 1].chapter_index]
        self._stop_at: int | None = None  # the first sentence not to play, while armed

    @property
    def armed(self) -> bool:
        return self._stop_at is not None

    @property
    def stop_at(self) -> int | None:
        return self._stop_at

    def chapter_end(self, index: int) -> int:
        """The first sentence after the chapter holding `index` (the sentence count after the last chapter)."""
        k = bisect_right(self._starts, index)
        return self._starts[k] if k < len(self._starts) else self._count

    def arm(self, cursor: int) -> int:
        """Stop at the end of the chapter being heard; returns the boundary."""
        self._stop_at = self.chapter_end(cursor)
        return self._stop_at

    def disarm(self) -> None:
        self._stop_at = None

    def follow(self, cursor: int) -> None:
        """After a seek: the end of the chapter now being heard."""
        if self._stop_at is not None:
            self.arm(cursor)

    def holds(self, index: int) -> bool:
        """Whether sentence `index` waits for the boundary. The end of the book is not a boundary: the narrator
        finishes there as it always does."""
        return self._stop_at is not None and self._stop_at < self._count and index >= self._stop_at
