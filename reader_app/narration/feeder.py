"""The narrator's feeding thread (narration-feed): decoded audio to the player, a few seconds ahead of the ear.

It hands the next sentence in reading order to the player once its clip exists (from memory when the store could
not keep it, else decoded from the cache), with the pause that follows it; a clip that vanished from the cache is
marked missing so the generation thread makes it again, and a clip decoded for a position that a seek, speed or
config change moved away from is dropped (the feed generation). It also notices the two ends of playing: the end
of the book (finished) and the armed chapter boundary (paused there, before the next chapter's heading).

Part of `Narrator` (its fields and locking: narrator_base.py); `_feed_loop` is the thread's body.
"""

from __future__ import annotations

from reader_app.audio.clip import AudioClip
from reader_app.narration.config import NarrationState
from reader_app.narration.narrator_base import NarratorBase
from reader_app.narration.plan import NarrationPlan, PlayerItem
from reader_app.store.clip_key import ClipKey
from reader_app.store.errors import StoreError

CHAPTER_END_NOTICE = "Paused at the end of the chapter."


class Feeder(NarratorBase):
    """The narration-feed thread of a Narrator: `_feed_loop` runs until the narrator is closed."""

    def _feed_loop(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                index = self._feedable()
                finished = index is None and self._played_to_the_end()
                boundary = index is None and self._at_chapter_stop()
                if index is None and not finished and not boundary:
                    self._cond.wait(0.05)
                plan, epoch, feed_gen = self._plan, self._epoch, self._feed_gen
            if finished:
                self._set_state(NarrationState.FINISHED, when=self._played_to_the_end)
            if boundary:
                self._pause_at_chapter_stop()
            if index is not None:
                self._feed(plan, index, epoch, feed_gen)

    def _feedable(self) -> int | None:
        """The next sentence to hand to the player, when it is time and its audio exists."""
        self._next_feed = self._plan.first_playable(self._next_feed)
        if (self._next_feed >= len(self._plan) or self.player.queued_seconds() >= self.config.feed_ahead_s
                or self._chapter_stop.holds(self._next_feed)):
            return None
        return self._next_feed if self._plan.is_ready(self._next_feed) else None

    def _played_to_the_end(self) -> bool:
        # From buffering too: waiting for audio that will never come (every sentence left was skipped) is the end.
        return (self._state in (NarrationState.PLAYING, NarrationState.BUFFERING)
                and self._plan.first_playable(self._next_feed) >= len(self._plan) and not self.player.queued_ids())

    def _at_chapter_stop(self) -> bool:
        """Playing, held at the chapter boundary, and everything before it played (its pause included)."""
        return (self._state in (NarrationState.PLAYING, NarrationState.BUFFERING)
                and self._chapter_stop.holds(self._plan.first_playable(self._next_feed))
                and not self.player.queued_ids())

    def _pause_at_chapter_stop(self) -> None:
        with self._cond:
            if not self._at_chapter_stop():
                return  # a seek or a pause came first
            # Once; the next chapter's heading is what comes next: Play goes on from it, and a new "end of this
            # chapter" means the end of that chapter.
            self._cursor = self._clamp(self._next_feed)
            self._chapter_stop.disarm()
            self.player.pause()
        self._set_state(NarrationState.PAUSED)
        self.listener.on_notice(CHAPTER_END_NOTICE)

    def _feed(self, plan: NarrationPlan, index: int, epoch: int, feed_gen: int) -> None:
        key = plan.key(index)
        with self._cond:
            clip = self._memory.pop(key.digest, None)  # heard once, it goes: a seek back generates it again
        if clip is None:
            clip = self._load(key)
        with self._cond:
            if feed_gen != self._feed_gen:
                return  # a seek, speed or config change happened while decoding: this clip is no longer next
            if clip is None:  # vanished from the cache (evicted or cleared): generate it again
                plan.mark_missing(key.digest)
                self._cond.notify_all()
                return
            if self._next_feed != index:
                return  # the streamed cursor sentence was queued meanwhile
            plan.mark_ready(key.digest, clip.duration_s)
            self.player.enqueue(PlayerItem(epoch, index), clip.samples, plan.pause_after(index),
                                speed=self.config.speed)
            self._next_feed = index + 1
        self.listener.on_clip_queued(index)

    def _load(self, key: ClipKey) -> AudioClip | None:
        try:
            return self.cache.get_clip(key)
        except StoreError as exc:
            self._report_error(f"Could not read cached audio: {exc}")
            return None
