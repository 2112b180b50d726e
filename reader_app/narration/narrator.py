"""Narrator: generation ahead of the cursor into the book's cache, and gapless playback from it.

Qt-free, so the command line and the tests drive it directly; the GUI wraps it in a QObject that re-emits its
callbacks as signals (narration/controller.py). What is known of each sentence (clip key, pause, cached or not)
is in its NarrationPlan (narration/plan.py); the narrator adds the controls and two threads:
- generation: asks the scheduler what to synthesize (cursor first, then the look-ahead window), loads the
  engine on first need (heavy imports stay off the GUI thread), stores each clip in the cache;
- feeding: decodes cached clips in reading order and queues them on the player a few seconds ahead of the ear.
A seek bumps an epoch: queued audio is dropped at once and stale results are ignored for playback, but every
clip that finished generating is still stored. When the engine streams, the cursor sentence is played chunk by
chunk as it is decoded and stored whole at the end.

Locking: the fields from `_cond` on (the plan included) are read and changed only with `_cond` held; a config
change builds its plan unlocked and swaps it in under the lock. The listener is never called with `_cond` held.
Lock order: state lock -> `_cond` -> the player's lock (the player calls us outside its lock).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.audio.output import AudioOutput
from reader_app.audio.player import Player, PlayerListener, checked_volume
from reader_app.books.model import Book
from reader_app.narration import retry, synthesis
from reader_app.narration.boundary import ChapterStop
from reader_app.narration.claims import ClipClaims, claims_for
from reader_app.narration.config import (
    ClipCache,
    EngineProvider,
    NarrationConfig,
    NarrationListener,
    NarrationState,
    check_speed,
)
from reader_app.narration.plan import NarrationPlan, PlayerItem
from reader_app.narration.rendering import Renderer
from reader_app.narration.scheduler import Scheduler
from reader_app.store.clip_key import ClipKey
from reader_app.store.errors import StoreError
from reader_app.tts.engine import SpeechEngine
from reader_app.voices.compat import engine_mismatch

log = logging.getLogger(__name__)

NO_MODEL_MESSAGE = ("No voice model is configured, so sentences not in the cache are skipped. Choose one in "
                    "Settings > Voice models… (command line: --model DIR or READER_APP_MODEL).")
_ELSEWHERE_POLL_S = 0.2  # how often clips another worker is making are looked for in the store
_MEMORY_CLIPS = 64  # clips kept in memory when the store cannot keep them (about 30 MB of 5 s sentences)
LOAD_ADVICE = "Sentences not in the cache are skipped; choose another model folder in Settings > Voice models…"
CHAPTER_END_NOTICE = "Paused at the end of the chapter."


class Narrator(PlayerListener[PlayerItem]):
    def __init__(self, book: Book, cache: ClipCache, config: NarrationConfig, output: AudioOutput,
                 engine_provider: EngineProvider | None, listener: NarrationListener | None = None,
                 start_index: int = 0, reopen_output: Callable[[], AudioOutput] | None = None,
                 claims: ClipClaims | None = None) -> None:
        """claims: who makes which clip of this book (default: shared with every worker on the same cache).
        A config with a speed or volume out of range is refused (ValueError) before any thread starts."""
        _check(config)
        self.cache = cache
        self.claims = claims if claims is not None else claims_for(cache.path)
        self.config = config
        self.listener = listener if listener is not None else NarrationListener()
        self.engine_provider = engine_provider
        self.sentences = book.sentences()
        self.player: Player[PlayerItem] = Player(output, self, reopen=reopen_output)
        self.player.set_volume(config.volume)
        self.scheduler = Scheduler(config.lookahead_s, config.batch_size)
        self.engine_calls = 0  # synthesize() calls, for tests and diagnostics
        self._cancel = threading.Event()  # set on close: engines stop mid-batch at their next chance
        self._state_lock = threading.RLock()  # state changes and their reports, in one order; taken before _cond
        self._cond = threading.Condition()  # reentrant (an RLock inside); guards every field below
        self._plan = NarrationPlan(self.sentences, config, cache.cached_digests)
        self._epoch = 0
        self._feed_gen = 0  # bumped whenever the feeding position is moved back (seek, speed change)
        self._live_index: int | None = None  # the sentence being played while it streams from the engine
        self._cursor = self._next_feed = self._clamp(start_index)  # being heard / next to hand to the player
        self._state = NarrationState.STOPPED
        self._in_flight: set[str] = set()  # digests being synthesized
        self._elsewhere: dict[str, ClipKey] = {}  # digests another worker is synthesizing (claims)
        self._memory: dict[str, AudioClip] = {}  # clips the store could not keep (disk full): still playable
        self._store_failing = False  # the last put failed: said once, until a put succeeds again
        self._engine_error: str | None = None
        self._chapter_stop = ChapterStop(self.sentences)  # "pause at the end of this chapter", while armed
        self._closed = False
        # Not daemons: at interpreter exit a batch in flight finishes instead of torch being torn down under it
        # (which aborts the process).
        self._threads = [threading.Thread(target=self._generation_loop, name="narration-generate"),
                         threading.Thread(target=self._feed_loop, name="narration-feed")]
        for thread in self._threads:
            thread.start()

    # -- public control (any thread) ----------------------------------------------------------------------
    @property
    def cursor(self) -> int:
        with self._cond:
            return self._cursor

    @property
    def state(self) -> NarrationState:
        with self._cond:
            return self._state

    def play(self, index: int | None = None) -> None:
        with self._cond:
            # Not on a first play at the cursor: a seek would throw away what is queued or streaming for it.
            restart = index is not None and index != self._cursor or self._state is NarrationState.FINISHED
            target = self._cursor if index is None else index
        if restart:
            self.seek(target)
        self._set_state(NarrationState.PLAYING)  # first, so what the player reports while starting follows it
        self.player.play()

    def pause(self) -> None:
        self.player.pause()
        self._set_state(NarrationState.PAUSED)

    def seek(self, index: int) -> None:
        with self._cond:
            self._seek_locked(self._clamp(index))

    def set_config(self, config: NarrationConfig) -> None:
        """A voice, model or setting change: new clip keys; playback restarts at the current sentence. A config
        with a speed or volume out of range is refused (ValueError) and the old one kept."""
        _check(config)
        plan = NarrationPlan(self.sentences, config, self.cache.cached_digests)  # hashing and a query: unlocked
        with self._cond:
            plan.learn_from(self._plan)
            self._plan = plan
            self._memory = {digest: clip for digest, clip in self._memory.items() if plan.is_cached(digest)}
            self.config = config
            self.scheduler = Scheduler(config.lookahead_s, config.batch_size)
            self._seek_locked(self._cursor)
        self.player.set_volume(config.volume)

    def set_speed(self, speed: float) -> None:
        """Playback speed, SPEED_MIN to SPEED_MAX (config.py), pitch kept (anything else: ValueError, and nothing
        changes). The sentence being heard finishes at the old speed; what is queued after it is re-stretched at
        once. Sentence events and positions stay in source time."""
        speed = check_speed(speed)
        with self._cond:
            self.config = dataclasses.replace(self.config, speed=speed)
            live = self._live_index
            dropped = self.player.drop_unstarted(keep=lambda item: item.index == live)
            if dropped:
                self._next_feed = dropped[0].index
                self._feed_gen += 1  # a clip being decoded for the old position must not be queued
            self._cond.notify_all()

    def pause_at_chapter_end(self, on: bool = True) -> None:
        """Pause once the chapter being heard has played, before the next chapter's first sentence (its
        heading) starts; it follows a seek to another chapter. on=False: keep playing."""
        with self._cond:
            if not on:
                self._chapter_stop.disarm()
                self._cond.notify_all()
                return
            stop = self._chapter_stop.arm(self._cursor)
            # What the feeder queued past the boundary (a few seconds ahead of the ear) is taken back.
            dropped = self.player.drop_unstarted(keep=lambda item: item.index < stop)
            if dropped:
                self._next_feed = min(self._next_feed, dropped[0].index)
                self._feed_gen += 1
            if self._live_index is not None and self._live_index >= stop:
                self._live_index = None  # its later chunks are not queued; the whole clip is stored
            self._cond.notify_all()

    @property
    def pausing_at_chapter_end(self) -> bool:
        """Armed and not reached yet (reaching it disarms: the window resets its sleep choice then)."""
        with self._cond:
            return self._chapter_stop.armed

    def set_volume(self, volume: float) -> None:
        """0 (silent) to 2 (anything else: ValueError, and nothing changes); applies to the very next block."""
        self.player.set_volume(checked_volume(volume))
        with self._cond:
            self.config = dataclasses.replace(self.config, volume=self.player.volume)

    def close(self) -> None:
        self._cancel.set()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self.player.close()
        for thread in self._threads:
            thread.join(timeout=10)

    def is_ready(self, index: int) -> bool:
        with self._cond:
            return self._plan.is_ready(index)

    def ready_ahead_s(self) -> float:
        """Seconds of audio ready from the cursor onwards without a gap (the 'buffered' indicator)."""
        with self._cond:
            return self._plan.ready_ahead_s(self._cursor)

    def key_for(self, index: int) -> ClipKey:
        with self._cond:
            return self._plan.key(index)

    def _clamp(self, index: int) -> int:
        return min(max(index, 0), max(len(self.sentences) - 1, 0))

    def _seek_locked(self, index: int) -> None:
        self._epoch += 1
        self._feed_gen += 1
        self._cursor = self._next_feed = index
        self._chapter_stop.follow(index)
        self._engine_error = None  # a fresh request deserves a fresh try of the engine
        self._plan.forget_unavailable()
        self.player.clear()
        self._cond.notify_all()

    # -- generation thread -------------------------------------------------------------------------------
    def _generation_loop(self) -> None:
        while True:
            with self._cond:
                batch = self._pick_batch()
                while not batch and not self._closed and not self._elsewhere:
                    self._cond.wait()
                    batch = self._pick_batch()
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
                    self._generate(plan, batch)
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

    def _generate(self, plan: NarrationPlan, batch: list[int]) -> None:
        for index in batch:
            self.listener.on_requested(index)
        engine, problem = self._engine(plan)
        if engine is None:
            # Nothing can make this audio now: pass over it (cached sentences after it still play); a seek asks
            # the engine again.
            self._sentences_unavailable(plan, batch, problem)
            return
        live = self._live_chunks(engine, plan, batch)

        def attempt(indices: list[int], whole: bool) -> list[AudioClip]:
            return self._synthesize(engine, plan, indices, live if whole else None)

        try:
            for index, result in retry.clips_or_failures(attempt, batch, self.config.max_attempts):
                if isinstance(result, AudioClip):
                    self._store(plan, index, result)
                else:
                    self._sentence_skipped(plan, index, result)
        except synthesis.Cancelled:
            return  # closing: what finished was stored already

    def _synthesize(self, engine: SpeechEngine, plan: NarrationPlan, batch: list[int],
                    on_chunk: synthesis.ChunkCallback | None) -> list[AudioClip]:
        self.engine_calls += 1
        requests = [plan.request(i) for i in batch]
        try:
            return synthesis.synthesize(engine, requests, self._cancel, on_chunk)
        finally:
            with self._cond:
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
        problem = next(filter(None, (engine_mismatch(v.kind, engine) for v in Renderer(plan.config).voices())), None)
        if problem is not None:
            return None, self._engine_failed(f"{problem}. Sentences not in the cache are skipped.")
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

    # -- feeding thread ----------------------------------------------------------------------------------
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

    # -- PlayerListener (audio thread, or whoever moves the player to another output) -----------------------
    def sentence_started(self, item_id: PlayerItem, delay_s: float) -> None:
        if item_id.chunk:
            return  # a later chunk of a streamed sentence: it started with its first chunk
        with self._cond:
            if item_id.epoch != self._epoch:
                return
            self._cursor = item_id.index
            self._cond.notify_all()  # the window moved: generation may continue
        self._set_state(NarrationState.PLAYING, when=lambda: self._state is NarrationState.BUFFERING)
        self.listener.on_sentence_started(item_id.index, delay_s)

    def item_finished(self, item_id: PlayerItem) -> None:
        with self._cond:
            self._cond.notify_all()

    def output_lost(self, message: str) -> None:
        self._report_error(message)

    def output_restored(self, message: str) -> None:
        log.info("%s", message)
        self.listener.on_notice(message)

    def starved(self) -> None:
        # Not at the end of the book, nor at a chapter end it is to pause at: nothing is late there.
        self._set_state(NarrationState.BUFFERING, when=lambda: self._state is NarrationState.PLAYING
                        and self._plan.first_playable(self._next_feed) < len(self._plan)
                        and not self._chapter_stop.holds(self._plan.first_playable(self._next_feed)))

    # -- reporting ---------------------------------------------------------------------------------------
    def _set_state(self, state: NarrationState, when: Callable[[], bool] | None = None) -> None:
        """The one place the state changes: decided under _cond (`when` too), reported after releasing it. The
        state lock keeps the reports in the order of the changes; callers never hold _cond."""
        with self._state_lock:
            with self._cond:
                if state is self._state or (when is not None and not when()):
                    return
                self._state = state
            self.listener.on_state(state)

    def _report_error(self, message: str) -> None:
        log.info("%s", message)  # the listener shows it to the user (status line, command line): not twice
        self.listener.on_error(message)


def _check(config: NarrationConfig) -> None:
    """Values the feeding and audio threads would choke on are refused up front (the settings are checked when
    loaded; this guards every other way in)."""
    check_speed(config.speed)
    checked_volume(config.volume)
