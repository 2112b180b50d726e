"""Which sentences to synthesize next: the one at the cursor first, then ahead, up to a window of audio.

Pure logic (no threads, no Qt, no clock) so its decisions can be tested exactly. Sentences are identified by
their position in reading order; identical texts share a clip digest and are generated once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

# Narration speed used to guess a sentence's length before it exists (about 15 characters per second in
# alphabetic scripts, 5 per second in CJK); real durations replace the guess once clips exist.
_CHARS_PER_SECOND = 15.0
_CJK_CHARS_PER_SECOND = 5.0


def estimate_seconds(text: str) -> float:
    cjk = sum(1 for ch in text if "\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
    return max(0.5, cjk / _CJK_CHARS_PER_SECOND + (len(text) - cjk) / _CHARS_PER_SECOND)


@dataclass(frozen=True)
class PlannedSentence:
    index: int
    digest: str
    text: str


class Scheduler:
    def __init__(self, lookahead_s: float = 60.0, batch_size: int = 4) -> None:
        self.lookahead_s = lookahead_s
        self.batch_size = max(1, batch_size)

    def next_batch(self, plan: Sequence[PlannedSentence], cursor: int, is_ready: Callable[[str], bool],
                   in_flight: AbstractSet[str], skipped: AbstractSet[str],
                   duration_of: Callable[[str], float | None]) -> list[int]:
        """Indices to synthesize now, cursor sentence first; empty when the window is covered.

        The window counts audio from the cursor onwards, ready or not, so generation stops once enough is
        buffered and resumes as playback advances.
        """
        batch: list[int] = []
        chosen: set[str] = set()
        ahead_s = 0.0
        for item in plan[cursor:]:
            if ahead_s >= self.lookahead_s:
                break
            if item.digest in skipped:
                continue  # never heard, so it takes no room: a run of skipped sentences must not stall the window
            known = duration_of(item.digest)
            ahead_s += known if known is not None else estimate_seconds(item.text)
            if item.digest in chosen or item.digest in in_flight or is_ready(item.digest):
                continue
            batch.append(item.index)
            chosen.add(item.digest)
            if item.index == cursor or len(batch) >= self.batch_size:
                # The cursor sentence goes alone: the listener is waiting for it, and a batch would delay it.
                break
        return batch
