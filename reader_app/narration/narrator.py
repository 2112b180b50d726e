"""Narrator: generation ahead of the cursor into the book's cache, and gapless playback from it.

Qt-free, so the command line and the tests drive it directly; the GUI wraps it in a QObject that re-emits its
callbacks as signals (narration/controller.py). Two threads:
- generation: asks the scheduler what to synthesize (cursor first, then the look-ahead window), loads the
  engine on first need (heavy imports stay off the GUI thread), stores each clip in the cache;
- feeding: decodes cached clips in reading order and queues them on the player a few seconds ahead of the ear.
A seek bumps an epoch: queued audio is dropped at once and stale results are ignored for playback, but every
clip that finished generating is still stored, so no work is lost. When the engine streams, the cursor sentence
is played chunk by chunk as it is decoded (playback starts before it is finished) and stored whole at the end.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable

from reader_app.audio.clip import AudioClip
from reader_app.audio.output import AudioOutput
from reader_app.audio.player import Player
from reader_app.audio.stretch import clamp_speed
from reader_app.books.model import Book
from reader_app.narration import synthesis
from reader_app.narration.config import (  # noqa: F401
    ClipCache,
    EngineProvider,
    NarrationConfig,
    NarrationListener,
    wait_until,
)
from reader_app.narration.scheduler import PlannedSentence, Scheduler
from reader_app.store.clip_key import ClipKey
from reader_app.tts.engine import SpeechEngine, SynthesisRequest

log = logging.getLogger(__name__)


class Narrator:
    def __init__(self, book: Book, cache: ClipCache, config: NarrationConfig, output: AudioOutput,
                 engine_provider: EngineProvider | None, listener: NarrationListener | None = None,
                 start_index: int = 0, reopen_output: Callable[[], AudioOutput] | None = None) -> None:
        self.book = book
        self.cache = cache
        self.config = config
        self.listener = listener
        self.engine_provider = engine_provider
        self.sentences = book.sentences()
        self.player = Player(output, self, reopen=reopen_output)
        self.player.set_volume(config.volume)
        self.scheduler = Scheduler(config.lookahead_s, config.batch_size)
        self.engine_calls = 0  # synthesize() calls, for tests and diagnostics
        self._cond = threading.Condition()
        self._epoch = 0
        self._feed_gen = 0  # bumped whenever the feeding position is moved back (seek, speed change)
        self._live_index: int | None = None  # the sentence being played while it streams from the engine
        self._cancel = threading.Event()  # set on close: engines that support it stop mid-batch
        start_index = min(max(start_index, 0), max(len(self.sentences) - 1, 0))
        self._cursor = start_index  # index of the sentence being heard (or about to be)
        self._next_feed = start_index  # next index to hand to the player
        self._state = "stopped"
        self._in_flight: set[str] = set()
        self._skipped: set[str] = set()
        self._durations: dict[str, float] = {}  # digest -> seconds, for clips known to be cached
        self._memory: dict[str, AudioClip] = {}  # clips the store could not keep (disk full): still playable
        self._engine_error: str | None = None
        self._closed = False
        self._replan(config)
        # Not daemons: at interpreter exit a batch in flight finishes instead of torch being torn down under it
        # (which aborts the process).
        self._threads = [threading.Thread(target=self._generation_loop, name="narration-generate"),
                         threading.Thread(target=self._feed_loop, name="narration-feed")]
        for thread in self._threads:
            thread.start()

    # -- public control (any thread) ----------------------------------------------------------------------
    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def state(self) -> str:
        return self._state

    def play(self, index: int | None = None) -> None:
        # Not on a first play at the cursor: a seek would throw away what is queued or streaming for it.
        if index is not None and index != self._cursor or self._state == "finished":
            self.seek(self._cursor if index is None else index)
        self._set_state("playing")  # first, so what the player reports while starting (starved, device back) follows it
        self.player.play()

    def pause(self) -> None:
        self.player.pause()
        self._set_state("paused")

    def seek(self, index: int) -> None:
        index = min(max(index, 0), max(len(self.sentences) - 1, 0))
        with self._cond:
            self._epoch += 1
            self._feed_gen += 1
            self._cursor = self._next_feed = index
            self._engine_error = None  # a fresh request deserves a fresh try of the engine
            self.player.clear()
            self._cond.notify_all()

    def set_config(self, config: NarrationConfig) -> None:
        """A voice, model or setting change: new clip keys; playback restarts at the current sentence."""
        with self._cond:
            self._replan(config)
            self.config = config
            self.scheduler = Scheduler(config.lookahead_s, config.batch_size)
            self._skipped.clear()
        self.player.set_volume(config.volume)
        self.seek(self._cursor)

    def set_speed(self, speed: float) -> None:
        """Playback speed, 0.5x to 3x, pitch kept. The sentence being heard finishes at the old speed; what is
        queued after it is re-stretched at once. Sentence events and positions stay in source time."""
        speed = clamp_speed(speed)
        with self._cond:
            self.config = dataclasses.replace(self.config, speed=speed)
            live = self._live_index
            dropped = self.player.drop_unstarted(keep=lambda item_id: _index_of(item_id) == live)
            if dropped:
                self._next_feed = _index_of(dropped[0])
                self._feed_gen += 1  # a clip being decoded for the old position must not be queued
            self._cond.notify_all()

    def set_volume(self, volume: float) -> None:
        """0 (silent) to 2; applies to the very next audio block."""
        self.player.set_volume(volume)
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
        return self._plan[index].digest in self._durations

    def ready_ahead_s(self) -> float:
        """Seconds of audio ready from the cursor onwards without a gap (the 'buffered' indicator)."""
        total = 0.0
        for item in self._plan[self._cursor:]:
            seconds = self._durations.get(item.digest)
            if seconds is None:
                break
            total += seconds
        return total

    def key_for(self, index: int) -> ClipKey:
        return self._keys[index]

    # -- plan and keys ---------------------------------------------------------------------------------
    def _replan(self, config: NarrationConfig) -> None:
        voice_id = config.voice.voice_id  # once per plan: it may hash a voice's files
        self._keys = [ClipKey.build(s.text, voice_id, config.model_id, config.language,
                                    config.engine_settings) for s in self.sentences]
        self._plan = [PlannedSentence(i, key.digest, s.text)
                      for i, (s, key) in enumerate(zip(self.sentences, self._keys))]
        cached = self.cache.cached_digests(self._keys)
        # Exact durations arrive when a clip is decoded; until then the estimate is good enough for the window.
        self._durations = {d: 0.0 for d in cached}
        self._memory.clear()

    def _pause_after(self, index: int) -> float:
        sentence = self.sentences[index]
        following = self.sentences[index + 1] if index + 1 < len(self.sentences) else None
        if following is None or following.chapter_index != sentence.chapter_index:
            return self.config.pause_chapter_s
        if following.paragraph_index != sentence.paragraph_index:
            return self.config.pause_paragraph_s
        return self.config.pause_sentence_s

    # -- generation thread -------------------------------------------------------------------------------
    def _generation_loop(self) -> None:
        while True:
            with self._cond:
                batch = self._pick_batch()
                while not batch and not self._closed:
                    self._cond.wait()
                    batch = self._pick_batch()
                if self._closed:
                    return
                for index in batch:
                    self._in_flight.add(self._plan[index].digest)
            try:
                self._generate(batch)
            finally:
                with self._cond:
                    for index in batch:
                        self._in_flight.discard(self._plan[index].digest)
                    self._cond.notify_all()

    def _pick_batch(self) -> list[int]:
        if self._engine_error is not None or not self._plan:
            return []

        def duration_of(digest: str) -> float | None:
            seconds = self._durations.get(digest)
            return seconds if seconds else None

        return self.scheduler.next_batch(self._plan, self._cursor, lambda d: d in self._durations,
                                         self._in_flight, self._skipped, duration_of)

    def _generate(self, batch: list[int]) -> None:
        if self.listener is not None:
            for index in batch:
                self.listener.on_requested(index)
        if self.engine_provider is None:
            self._engine_failed("No voice model is configured, so uncached sentences cannot be narrated. "
                                "Choose a model folder (Settings > Choose model folder…).")
            return
        try:
            engine = self.engine_provider()
        except Exception as exc:  # a missing or broken model must not kill the thread
            self._engine_failed(f"The voice model could not be loaded: {exc}")
            return
        try:
            clips = self._synthesize(engine, batch, self._live_chunks(engine, batch))
        except synthesis.Cancelled:
            return  # closing: what finished was stored already
        except Exception as exc:
            log.warning("synthesis of %d sentence(s) failed: %s", len(batch), exc)
            # Find the culprit alone, with retries: the other sentences still get their audio.
            for index in batch:
                self._generate_alone(engine, index, attempts_left=self.config.max_attempts)
            return
        for index, clip in zip(batch, clips):
            self._store(index, clip)

    def _generate_alone(self, engine: SpeechEngine, index: int, attempts_left: int) -> None:
        message = ""
        for attempt in range(attempts_left):
            try:
                clip, = self._synthesize(engine, [index])
            except synthesis.Cancelled:
                return
            except Exception as exc:
                message = str(exc)
                log.warning("sentence %d failed (attempt %d): %s", index, attempt + 1, exc)
                continue
            self._store(index, clip)
            return
        self._sentence_skipped(index, message)

    def _synthesize(self, engine: SpeechEngine, batch: list[int],
                    on_chunk: synthesis.ChunkCallback | None = None) -> list[AudioClip]:
        self.engine_calls += 1
        voice, language = self.config.voice, self.config.language
        requests = [SynthesisRequest(self._plan[i].text, voice, language) for i in batch]
        try:
            return synthesis.synthesize(engine, requests, self._cancel, on_chunk)
        finally:
            with self._cond:
                self._live_index = None

    def _live_chunks(self, engine: SpeechEngine, batch: list[int]) -> synthesis.ChunkCallback | None:
        """For the cursor sentence from a streaming engine: play its chunks as they arrive, when the player is
        waiting for exactly that sentence. A seek mid-sentence stops the playing, not the generating."""
        if len(batch) != 1 or not synthesis.can_stream(engine):
            return None
        index, epoch, count = batch[0], None, 0

        def on_chunk(_request: int, samples, start: int, is_last: bool) -> None:
            nonlocal epoch, count
            with self._cond:
                if count == 0:
                    if self._next_feed != index or self._closed or self._plan[index].digest in self._durations:
                        return  # not the next thing to hear (yet): the feeder plays it from the cache later
                    epoch, self._live_index = self._epoch, index
                elif epoch != self._epoch or self._live_index != index:
                    return
                item_id = f"{epoch}:{index}" if count == 0 else f"{epoch}:{index}:{count}"
                pause = self._pause_after(index) if is_last else 0.0
                self.player.enqueue(item_id, samples, pause, speed=self.config.speed, source_start=start)
                count += 1
                if is_last:
                    self._next_feed = index + 1
                    self._live_index = None
            if count == 1:
                self._queued(index)

        return on_chunk

    def _queued(self, index: int) -> None:
        report = getattr(self.listener, "on_clip_queued", None)
        if report is not None:
            report(index)

    def _store(self, index: int, clip: AudioClip) -> None:
        if self._closed:
            return  # the book was closed while this batch ran: its cache may already be closed too
        key = self._keys[index]
        try:
            self.cache.put_clip(key, clip)
        except Exception as exc:  # disk full: keep the clip in memory, playback goes on
            self._memory[key.digest] = clip
            self._report_error(f"Could not save audio to the cache: {exc}")
        with self._cond:
            self._durations[key.digest] = clip.duration_s
            self._cond.notify_all()
        if self.listener is not None:
            for item in self._plan:
                if item.digest == key.digest:
                    self.listener.on_clip_ready(item.index)

    def _engine_failed(self, message: str) -> None:
        with self._cond:
            self._engine_error = message
        self._report_error(message)

    def _sentence_skipped(self, index: int, message: str) -> None:
        with self._cond:
            self._skipped.add(self._plan[index].digest)
            self._cond.notify_all()
        if self.listener is not None:
            self.listener.on_sentence_skipped(index, message)

    # -- feeding thread ----------------------------------------------------------------------------------
    def _feed_loop(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                item = self._feedable()
                if item is None:
                    self._cond.wait(0.05)
                    continue
                epoch, feed_gen = self._epoch, self._feed_gen
                key = self._keys[item.index]
            clip = self._memory.get(key.digest) or self._load(key)
            with self._cond:
                if feed_gen != self._feed_gen:
                    continue  # a seek or speed change happened while decoding: this clip is no longer next
                if clip is None:  # vanished from the cache (evicted or cleared): generate it again
                    self._durations.pop(key.digest, None)
                    self._cond.notify_all()
                    continue
                if self._next_feed != item.index:
                    continue  # the streamed cursor sentence was queued meanwhile
                self._durations[key.digest] = clip.duration_s
                self.player.enqueue(f"{epoch}:{item.index}", clip.samples, self._pause_after(item.index),
                                    speed=self.config.speed)
                self._next_feed = item.index + 1
            self._queued(item.index)

    def _feedable(self) -> PlannedSentence | None:
        """The next sentence to hand to the player, when it is time and its audio exists."""
        while self._next_feed < len(self._plan) and self._plan[self._next_feed].digest in self._skipped:
            self._next_feed += 1
        if self._next_feed >= len(self._plan):
            if self._state == "playing" and not self.player.queued_ids():
                self._set_state("finished")
            return None
        if self.player.queued_seconds() >= self.config.feed_ahead_s:
            return None
        item = self._plan[self._next_feed]
        return item if item.digest in self._durations else None

    def _load(self, key: ClipKey) -> AudioClip | None:
        try:
            return self.cache.get_clip(key)
        except Exception as exc:
            self._report_error(f"Could not read cached audio: {exc}")
            return None

    # -- player callbacks (audio thread) -------------------------------------------------------------------
    def sentence_started(self, item_id: str, delay_s: float) -> None:
        parts = [int(part) for part in item_id.split(":")]
        if len(parts) > 2:
            return  # a later chunk of a streamed sentence: it started with its first chunk
        epoch, index = parts
        with self._cond:
            if epoch != self._epoch:
                return
            self._cursor = index
            self._cond.notify_all()  # the window moved: generation may continue
        if self._state == "buffering":
            self._set_state("playing")
        if self.listener is not None:
            self.listener.on_sentence_started(index, delay_s)

    def item_finished(self, item_id: str) -> None:
        with self._cond:
            self._cond.notify_all()

    def output_lost(self, message: str) -> None:
        self._report_error(message)

    def output_restored(self, message: str) -> None:
        log.info("%s", message)
        notice = getattr(self.listener, "on_notice", None)
        if notice is not None:
            notice(message)

    def starved(self) -> None:
        if self._state == "playing" and self._next_feed < len(self._plan):
            self._set_state("buffering")

    # -- reporting ---------------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        if state == self._state:
            return
        self._state = state
        if self.listener is not None:
            self.listener.on_state(state)

    def _report_error(self, message: str) -> None:
        log.warning("%s", message)
        if self.listener is not None:
            self.listener.on_error(message)


def _index_of(item_id: str) -> int:
    """Sentence index of a player item id: "epoch:index" or, for a streamed chunk, "epoch:index:chunk"."""
    return int(item_id.split(":")[1])
