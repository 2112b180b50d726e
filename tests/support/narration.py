"""Narrator test kit: a listener that records what it is told, a config with short pauses, a narrator over a
real SQLite cache on a virtual clock, and a loop that plays a book to its end."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.audio.output import ManualOutput
from reader_app.books.model import Book
from reader_app.narration.config import (
    ClipCache,
    EngineProvider,
    NarrationConfig,
    NarrationListener,
    NarrationState,
    wait_until,
)
from reader_app.narration.narrator import Narrator
from reader_app.store import BookCache, ClipKey, StoreError
from reader_app.tts.engine import SpeechEngine, VoiceSpec

SR = 24_000


class Recorder(NarrationListener):
    def __init__(self) -> None:
        self.started: list[int] = []
        self.ready: list[int] = []
        self.states: list[NarrationState] = []
        self.errors: list[str] = []
        self.notices: list[str] = []
        self.skipped: list[int] = []

    def on_sentence_started(self, index: int, delay_s: float) -> None:
        self.started.append(index)

    def on_clip_ready(self, index: int) -> None:
        self.ready.append(index)

    def on_state(self, state: NarrationState) -> None:
        self.states.append(state)

    def on_error(self, message: str) -> None:
        self.errors.append(message)

    def on_notice(self, message: str) -> None:
        self.notices.append(message)

    def on_sentence_skipped(self, index: int, message: str) -> None:
        self.skipped.append(index)


_DEFAULTS = NarrationConfig(voice=VoiceSpec(speaker="ryan"), model_id="m1", lookahead_s=1000, batch_size=2,
                            pause_sentence_s=0.1, pause_paragraph_s=0.2, pause_chapter_s=0.5, feed_ahead_s=1.0)


def config(**kw: Any) -> NarrationConfig:
    return dataclasses.replace(_DEFAULTS, **kw)


def make(book: Book, tmp_path: Path, engine: SpeechEngine | None, recorder: NarrationListener, *,
         output: ManualOutput | None = None, start_index: int = 0, provider: EngineProvider | None = None,
         wrap_cache: Callable[[BookCache], ClipCache] | None = None,
         **kw: Any) -> tuple[Narrator, BookCache, ManualOutput]:
    """A narrator over the book's cache in tmp_path (a second one on the same path finds the first one's clips),
    on a virtual clock unless `output` is given; `provider` instead of `engine` (e.g. one that fails to load);
    `wrap_cache` puts something between the narrator and its cache (e.g. a disk that fills up); kw are
    NarrationConfig fields."""
    cache = BookCache(tmp_path / "book.db")
    cache.sync_sentences(book)
    out = output if output is not None else ManualOutput(SR, 480)
    if provider is None and engine is not None:
        provider = _provider(engine)
    seen: ClipCache = cache if wrap_cache is None else wrap_cache(cache)
    try:
        narrator = Narrator(book, seen, config(**kw), out, provider, recorder, start_index=start_index)
    except BaseException:
        cache.close()
        raise
    return narrator, cache, out


def _provider(engine: SpeechEngine) -> EngineProvider:
    return lambda: engine


def settle(predicate: Callable[[], bool], timeout_s: float) -> None:
    """Give the narrator's threads a moment before the next tick of a virtual clock (which outruns them): wait
    for `predicate`, then carry on either way. Unlike wait_until, not reaching it is no failure in itself: the
    caller's own assertions decide."""
    wait_until(predicate, timeout_s)


def play_all(narrator: Narrator, out: ManualOutput, seconds: float = 10.0) -> np.ndarray:
    narrator.play()
    heard = []
    for _ in range(int(seconds / 0.1)):
        # A virtual clock runs faster than real time: give the feeder thread its chance before each tick.
        settle(lambda: narrator.player.queued_seconds() > 0.1 or narrator.state is NarrationState.FINISHED, 2)
        heard.append(out.pump(0.1))
        if narrator.state is NarrationState.FINISHED:
            break
    return np.concatenate(heard)


def play_to_end(narrator: Narrator, out: ManualOutput, timeout_s: float = 10.0) -> bool:
    """Play on the virtual clock until the narrator reports the end of the book, for at most timeout_s of wall
    time (a hang fails fast); True when it finished."""
    narrator.play()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        settle(lambda: narrator.player.queued_seconds() > 0.1 or narrator.state is NarrationState.FINISHED, 0.2)
        out.pump(0.1)
        if narrator.state is NarrationState.FINISHED:
            return True
    return False


class FullDiskCache:
    """A book cache whose disk fills up after `room` more clips: put_clip then fails as the store does on a full
    disk (StoreError), until free() is called. Everything else goes to the real cache."""

    def __init__(self, cache: BookCache, room: int) -> None:
        self.cache = cache
        self.room = room
        self.refused = 0

    @property
    def path(self) -> Path:
        return self.cache.path

    def free(self) -> None:
        self.room = 1 << 30

    def put_clip(self, key: ClipKey, clip: AudioClip) -> None:
        if self.room <= 0:
            self.refused += 1
            raise StoreError(f"Disk full: could not store audio for {self.cache.path.name!r} "
                             "(free some space or lower the audio cache limit)")
        self.room -= 1
        self.cache.put_clip(key, clip)

    def get_clip(self, key: ClipKey) -> AudioClip | None:
        return self.cache.get_clip(key)

    def cached_digests(self, keys: Sequence[ClipKey]) -> set[str]:
        return self.cache.cached_digests(keys)
