"""Narrator: generation ahead of the cursor into the book's cache, and gapless playback from it.

Qt-free, so the command line and the tests drive it directly; the GUI wraps it in a QObject that re-emits its
callbacks as signals (narration/controller.py). What is known of each sentence (clip key, pause, cached or not)
is in its NarrationPlan (narration/plan.py); the narrator adds the controls and two threads:
- generation (generation.py): asks the scheduler what to synthesize (cursor first, then the look-ahead window),
  loads the engine on first need (heavy imports stay off the GUI thread), stores each clip in the cache;
- feeding (feeder.py): decodes cached clips in reading order and queues them on the player a few seconds ahead of
  the ear.
A seek bumps an epoch: queued audio is dropped at once and stale results are ignored for playback, but every
clip that finished generating is still stored. When the engine streams, the cursor sentence is played chunk by
chunk as it is decoded and stored whole at the end.

This module holds the controls (any thread) and the player's listener (the audio thread); the fields all three
share are declared in narrator_base.py. Locking: the fields from `_cond` on (the plan included) are read and
changed only with `_cond` held; a config change builds its plan unlocked and swaps it in under the lock. The
listener is never called with `_cond` held. Lock order: state lock -> `_cond` -> the player's lock (the player
calls us outside its lock).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable

from reader_app.audio.output import AudioOutput
from reader_app.audio.player import Player, PlayerListener, checked_volume
from reader_app.books.model import Book
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
from reader_app.narration.feeder import CHAPTER_END_NOTICE as CHAPTER_END_NOTICE
from reader_app.narration.feeder import Feeder
from reader_app.narration.generation import LOAD_ADVICE as LOAD_ADVICE
from reader_app.narration.generation import NO_MODEL_MESSAGE as NO_MODEL_MESSAGE
from reader_app.narration.generation import GenerationWorker
from reader_app.narration.plan import NarrationPlan, PlayerItem
from reader_app.narration.scheduler import Scheduler
from reader_app.store.clip_key import ClipKey

log = logging.getLogger(__name__)


class Narrator(GenerationWorker, Feeder, PlayerListener[PlayerItem]):
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
        self.player = Player(output, self, reopen=reopen_output)
        self.player.set_volume(config.volume)
        self.scheduler = Scheduler(config.lookahead_s, config.batch_size)
        self.engine_calls = 0  # synthesize() calls, for tests and diagnostics
        self._cancel = threading.Event()  # set on close: engines stop mid-batch at their next chance
        self._state_lock = threading.RLock()  # state changes and their reports, in one order; taken before _cond
        self._cond = threading.Condition()  # reentrant (an RLock inside); guards every field below
        self._plan = NarrationPlan(self.sentences, config, cache.cached_digests)
        self._epoch = 0
        self._feed_gen = 0  # bumped whenever the feeding position is moved back (seek, speed change)
        self._live_index = None  # the sentence being played while it streams from the engine
        self._cursor = self._next_feed = self._clamp(start_index)  # being heard / next to hand to the player
        self._state = NarrationState.STOPPED
        self._in_flight = set()  # digests being synthesized
        self._elsewhere = {}  # digests another worker is synthesizing (claims)
        self._memory = {}  # clips the store could not keep (disk full): still playable
        self._store_failing = False  # the last put failed: said once, until a put succeeds again
        self._engine_error = None
        self._concurrent_jobs = False  # the engine takes a second job meanwhile: the cursor lane works
        self._chapter_stop = ChapterStop(self.sentences)  # "pause at the end of this chapter", while armed
        self._closed = False
        # Not daemons: at interpreter exit a batch in flight finishes instead of torch being torn down under it
        # (which aborts the process).
        self._threads = [threading.Thread(target=self._generation_loop, name="narration-generate"),
                         threading.Thread(target=self._generation_loop, args=(True,), name="narration-cursor"),
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

    def _seek_locked(self, index: int) -> None:
        self._epoch += 1
        self._feed_gen += 1
        self._cursor = self._next_feed = index
        self._chapter_stop.follow(index)
        self._engine_error = None  # a fresh request deserves a fresh try of the engine
        self._plan.forget_unavailable()
        self.player.clear()
        self._cond.notify_all()

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


def _check(config: NarrationConfig) -> None:
    """Values the feeding and audio threads would choke on are refused up front (the settings are checked when
    loaded; this guards every other way in)."""
    check_speed(config.speed)
    checked_volume(config.volume)
