"""The narrator's generation thread (narration-generate): what to synthesize next, and making it.

It asks the plan and the scheduler for a batch (the cursor sentence alone first, then the look-ahead window),
claims its clips from other workers on the same cache (what another worker stored is taken from the store, what
it is still making is left to it and looked for again shortly), loads the engine on first need (heavy imports stay
off the GUI thread), synthesizes with the retry policy (retry.py) and stores each clip (in memory when the store
cannot keep it). When the engine streams, the cursor sentence is queued on the player chunk by chunk as it is
decoded, and stored whole at the end. A batch is synthesized and stored for the plan it was picked from.

Part of `Narrator` (its fields and locking: narrator_base.py); `_generation_loop` is the thread's body.
"""

from __future__ import annotations

import logging

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.narration import retry, synthesis
from reader_app.narration.narrator_base import NarratorBase
from reader_app.narration.plan import NarrationPlan, PlayerItem
from reader_app.store.clip_key import ClipKey
from reader_app.store.errors import StoreError
from reader_app.tts.engine import EngineGone, SpeechEngine

log = logging.getLogger(__name__)

NO_MODEL_MESSAGE = ("No voice model is configured, so sentences not in the cache are skipped. Choose one in "
                    "Settings > Voice models… (command line: --model DIR or READER_APP_MODEL).")
_ELSEWHERE_POLL_S = 0.2  # how often clips another worker is making are looked for in the store
_MEMORY_CLIPS = 64  # clips kept in memory when the store cannot keep them (about 30 MB of 5 s sentences)
LOAD_ADVICE = "Sentences not in the cache are skipped; choose another model folder in Settings > Voice models…"


class GenerationWorker(NarratorBase):
    """The narration-generate thread of a Narrator: `_generation_loop` runs until the narrator is closed."""

    def _generation_loop(self, cursor_lane: bool = False) -> None:
        """cursor_lane: the second thread, for an engine that takes jobs side by side (concurrent_jobs): it only
        makes the cursor sentence, so after a seek the listener does not wait for the look-ahead batch still in
        flight on the first thread (that batch goes on, and its clips are stored)."""
        pick = self._pick_cursor if cursor_lane else self._pick_batch
        while True:
            with self._cond:
                batch = pick()
                while not batch and not self._closed and (cursor_lane or not self._elsewhere):
                    self._cond.wait()
                    batch = pick()
                if self._closed:
                    return
                if not batch:  # only clips other workers are making: look for them again shortly
                    self._cond.wait(_ELSEWHERE_POLL_S)
                plan = self._plan  # the batch is synthesized and stored for the plan it was picked from
                digests = {plan.items[index].digest for index in batch}
                self._in_flight |= digests
                elsewhere = dict(self._elsewhere) if not batch else {}
            if not batch:
                self._look_elsewhere(elsewhere)
                continue
            claimed: list[str] = []
            try:
                batch, claimed = self._claim(plan, batch)
                if batch:
                    self._generate(plan, batch, cursor_lane)
            finally:
                self.claims.release(claimed)
                with self._cond:
                    self._in_flight -= digests
                    self._cond.notify_all()

    def _claim(self, plan: NarrationPlan, batch: list[int]) -> tuple[list[int], list[str]]:
        """The part of `batch` this narrator makes, and the digests it claimed for it: what another worker stored
        meanwhile is taken from the store, and what another worker is making is left to it."""
        keys = {plan.items[index].digest: plan.key(index) for index in batch}
        # Claim first, then ask the store: a worker stores a clip before it releases its claim, so a clip made
        # just before our claim is found here, never made twice.
        claimed, busy = self.claims.claim(keys)
        if busy:
            with self._cond:
                self._elsewhere.update((digest, keys[digest]) for digest in busy)
        stored = self._stored([keys[digest] for digest in claimed])
        if stored:
            self._found(stored)
        mine = set(claimed) - stored
        return [index for index in batch if plan.items[index].digest in mine], claimed

    def _look_elsewhere(self, elsewhere: dict[str, ClipKey]) -> None:
        """Clips other workers were making: stored by now, or given up (then this narrator makes them)."""
        stored = self._stored(list(elsewhere.values()))
        if stored:
            self._found(stored)
        given_up = [digest for digest in elsewhere if digest not in stored and not self.claims.held_elsewhere(digest)]
        with self._cond:
            for digest in given_up:
                self._elsewhere.pop(digest, None)  # picked again, and the store asked once more first
            self._cond.notify_all()

    def _stored(self, keys: list[ClipKey]) -> set[str]:
        with self._cond:
            if self._closed:
                return set()  # the book's cache may be closed already
        try:
            return self.cache.cached_digests(keys)
        except StoreError as exc:
            log.info("could not ask the cache what it holds: %s", exc)
            return set()

    def _found(self, digests: set[str]) -> None:
        """Clips another worker stored: ready to play (their length is learnt when they are decoded)."""
        with self._cond:
            sharing = [index for digest in digests for index in self._plan.mark_stored(digest)]
            for digest in digests:
                self._elsewhere.pop(digest, None)
            self._cond.notify_all()
        for index in sharing:
            self.listener.on_clip_ready(index)

    def _pick_batch(self) -> list[int]:
        return self._plan.next_batch(self.scheduler, self._cursor, self._in_flight | self._elsewhere.keys())

    def _pick_cursor(self) -> list[int]:
        """The cursor lane's batch: the cursor sentence alone when it is to be made and the engine takes a
        second job meanwhile (known once it is loaded), else nothing."""
        if not self._concurrent_jobs:
            return []
        batch = self._pick_batch()
        return batch if batch == [self._cursor] else []

    def _generate(self, plan: NarrationPlan, batch: list[int], cursor_lane: bool = False) -> None:
        for index in batch:
            self.listener.on_requested(index)
        engine, problem = self._engine(plan)
        if cursor_lane and not self._concurrent_jobs:  # the engine changed to one that takes one job at a time
            return  # released: the first thread makes it
        if engine is None:
            # Nothing can make this audio now: pass over it (cached sentences after it still play); a seek asks
            # the engine again.
            self._sentences_unavailable(plan, batch, problem)
            return
        live = self._live_chunks(engine, plan, batch)
        finished: dict[int, AudioClip] = {}  # stored the moment the engine finished it (sentence index -> clip)

        def attempt(indices: list[int], whole: bool) -> list[AudioClip]:
            todo = [index for index in indices if index not in finished]  # a retry never remakes a stored clip
            if todo:
                try:
                    self._synthesize(engine, plan, todo, live if whole else None, finished)
                except EngineGone as exc:  # said once; the engine comes back for the rest of the same batch
                    self.listener.on_notice(str(exc))
                    todo = [index for index in todo if index not in finished]
                    if todo:
                        self._synthesize(engine, plan, todo, None, finished)
            missing = [index for index in indices if index not in finished]
            if missing:
                raise RuntimeError(f"the engine returned no audio for {len(missing)} sentence(s)")
            return [finished[index] for index in indices]

        try:
            for index, result in retry.clips_or_failures(attempt, batch, self.config.max_attempts):
                if not isinstance(result, AudioClip):
                    self._sentence_skipped(plan, index, result)
        except synthesis.Cancelled:
            return  # closing: what finished was stored already

    def _synthesize(self, engine: SpeechEngine, plan: NarrationPlan, batch: list[int],
                    on_chunk: synthesis.ChunkCallback | None, finished: dict[int, AudioClip]) -> None:
        """Synthesizes `batch`, storing each clip as soon as it is finished (into `finished` too): a short
        sentence is playable while the batch's longest one is still being made."""
        with self._cond:
            self.engine_calls += 1
            cursor = self._cursor
        requests = [plan.request(i, priority=0 if i <= cursor else 1) for i in batch]

        def keep(request_index: int, clip: AudioClip) -> None:
            index = batch[request_index]
            finished[index] = clip
            self._store(plan, index, clip)
            self.claims.release([plan.items[index].digest])  # stored: another worker may take it from the store

        try:
            synthesis.synthesize(engine, requests, self._cancel, on_chunk, on_clip=keep)
        finally:
            with self._cond:
                if self._live_index in batch:  # not another lane's sentence, streaming meanwhile
                    self._live_index = None

    def _live_chunks(self, engine: SpeechEngine, plan: NarrationPlan,
                     batch: list[int]) -> synthesis.ChunkCallback | None:
        """For the cursor sentence from a streaming engine: play its chunks as they arrive, when the player is
        waiting for exactly that sentence. A seek mid-sentence stops the playing, not the generating."""
        if len(batch) != 1 or not synthesis.can_stream(engine):
            return None
        index, epoch, count = batch[0], -1, 0

        def on_chunk(_request: int, samples: np.ndarray, start: int, is_last: bool) -> None:
            nonlocal epoch, count
            with self._cond:
                if count == 0:
                    if (self._plan is not plan or self._next_feed != index or self._closed
                            or plan.is_ready(index) or self._chapter_stop.holds(index)):
                        return  # not the next thing to hear (yet): the feeder plays it from the cache later
                    epoch, self._live_index = self._epoch, index
                elif epoch != self._epoch or self._live_index != index:
                    return
                pause = plan.pause_after(index) if is_last else 0.0
                self.player.enqueue(PlayerItem(epoch, index, count), samples, pause, speed=self.config.speed,
                                    source_start=start)
                count += 1
                if is_last:
                    self._next_feed = index + 1
                    self._live_index = None
            if count == 1:
                self.listener.on_clip_queued(index)

        return on_chunk

    def _store(self, plan: NarrationPlan, index: int, clip: AudioClip) -> None:
        with self._cond:
            if self._closed:
                return  # the book was closed while this batch ran: its cache may already be closed too
        key = plan.key(index)
        try:
            self.cache.put_clip(key, clip)
        except (StoreError, RuntimeError, ValueError) as exc:  # disk full, read-only, or the encoder refused it
            with self._cond:
                self._memory[key.digest] = clip  # playback goes on from memory
                while len(self._memory) > _MEMORY_CLIPS:  # the oldest first: most likely heard already
                    self._memory.pop(next(iter(self._memory)))
                first, self._store_failing = not self._store_failing, True
            if first:  # once, not for every sentence that follows
                self._report_error(f"Could not save audio to the cache: {exc}. Playback goes on from memory.")
        else:
            with self._cond:
                self._store_failing = False
        with self._cond:
            sharing = self._plan.mark_ready(key.digest, clip.duration_s)  # none when the plan changed meanwhile
            self._cond.notify_all()
        for shared in sharing:
            self.listener.on_clip_ready(shared)

    def _engine(self, plan: NarrationPlan) -> tuple[SpeechEngine | None, str]:
        """The engine, or None and why not. A failure is reported once and remembered until the next seek, so
        a model that cannot load is not loaded again for every sentence; a model that cannot speak the plan's
        voice (a designed voice on a CustomVoice model) is such a failure, not a retry of every sentence."""
        with self._cond:
            if self._engine_error is not None:
                return None, self._engine_error
            provider = self.engine_provider
        if provider is None:
            return None, self._engine_failed(NO_MODEL_MESSAGE)
        try:
            engine = provider()
        except Exception as exc:  # noqa: BLE001 - model loading may raise anything: the thread must live on
            reason = str(exc).rstrip(".")
            return None, self._engine_failed(f"The voice model could not be loaded: {reason}. {LOAD_ADVICE}")
        # Every voice of the config (the narrator's, the characters'): one the model cannot speak is said once.
        problem = plan.renderer.engine_problem(engine)
        if problem is not None:
            return None, self._engine_failed(f"{problem}. Sentences not in the cache are skipped.")
        concurrent = bool(getattr(engine, "concurrent_jobs", False))
        with self._cond:
            if concurrent != self._concurrent_jobs:
                self._concurrent_jobs = concurrent
                self._cond.notify_all()  # the cursor lane may start
        return engine, ""

    def _engine_failed(self, message: str) -> str:
        with self._cond:
            self._engine_error = message
        self._report_error(message)
        return message

    def _sentences_unavailable(self, plan: NarrationPlan, batch: list[int], message: str) -> None:
        with self._cond:
            for index in batch:
                plan.skip_unavailable(index)
            current = plan is self._plan
            self._cond.notify_all()
        if current:
            for index in batch:
                self.listener.on_sentence_skipped(index, message)

    def _sentence_skipped(self, plan: NarrationPlan, index: int, message: str) -> None:
        with self._cond:
            plan.skip(index)
            current = plan is self._plan
            self._cond.notify_all()
        if current:
            self.listener.on_sentence_skipped(index, message)
