"""What the narrator is configured with and reports to; shared by the narrator, pregeneration and the CLI."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reader_app.audio.speed_range import SPEED_MAX, SPEED_MIN
from reader_app.narration.rendering import StudioChoices
from reader_app.store.clip_key import ClipKey
from reader_app.tts.engine import SpeechEngine, VoiceSpec

if TYPE_CHECKING:  # annotations only: the command line imports this module for `--help`, without numpy
    from reader_app.audio.clip import AudioClip


# The one playback speed range (audio/speed_range.py, which the time stretch is built for): the command line's
# --speed, the narrator, the settings file and the window's speed control all take it from here.
SPEED_STEP = 0.25  # between the window's choices
SPEED_RANGE_TEXT = f"must be between {SPEED_MIN} and {SPEED_MAX}"


def check_speed(speed: float) -> float:
    """The speed as a float if it is a finite number in SPEED_MIN..SPEED_MAX, else ValueError ('speed must be
    between 0.5 and 3.0 (got 5)'): never clamped, so a typo is said instead of played at another speed."""
    try:
        value = float(speed)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and SPEED_MIN <= value <= SPEED_MAX):
        raise ValueError(f"speed {SPEED_RANGE_TEXT} (got {speed})")
    return value


def speed_choices() -> tuple[float, ...]:
    """The window's speed choices: SPEED_MIN to SPEED_MAX in steps of SPEED_STEP (1.0 among them)."""
    count = round((SPEED_MAX - SPEED_MIN) / SPEED_STEP)
    return tuple(round(SPEED_MIN + i * SPEED_STEP, 4) for i in range(count + 1))


class ClipCache(Protocol):
    """What the narrator needs from the book's store (reader_app.store.BookCache)."""

    @property
    def path(self) -> Path:
        """The cache file: workers on the same file share out its clips (narration/claims.py)."""

    def get_clip(self, key: ClipKey) -> AudioClip | None: ...
    def put_clip(self, key: ClipKey, clip: AudioClip) -> None: ...
    def cached_digests(self, keys: Sequence[ClipKey]) -> set[str]: ...


@dataclass
class NarrationConfig:
    voice: VoiceSpec
    model_id: str  # fingerprint of the checkpoint, known without loading it (cache hits need no model)
    engine_settings: dict = field(default_factory=dict)
    language: str = "auto"
    lookahead_s: float = 60.0
    batch_size: int = 4
    pause_sentence_s: float = 0.25
    pause_paragraph_s: float = 0.6
    pause_chapter_s: float = 1.5
    feed_ahead_s: float = 2.0  # decoded audio handed to the player ahead of the ear
    max_attempts: int = 2  # tries of a failing sentence on its own before it is skipped
    speed: float = 1.0  # SPEED_MIN to SPEED_MAX, pitch kept (time stretch); clips and cache stay at normal speed
    volume: float = 1.0
    studio: StudioChoices = field(default_factory=StudioChoices)  # lexicon, character voices, kept takes


class NarrationState(StrEnum):
    """What the narrator reports through on_state (plain strings to Qt signals and the GUI)."""

    STOPPED = "stopped"  # nothing asked yet
    PLAYING = "playing"
    PAUSED = "paused"
    BUFFERING = "buffering"  # playing, but the next sentence's audio is not there yet
    FINISHED = "finished"  # played to the end of the book


class NarrationListener:
    """What the narrator reports, from its worker and audio threads. Every method is a no-op here: a listener
    subclasses this and overrides what it cares about. The narrator never holds its lock while calling one."""

    def on_requested(self, index: int) -> None:
        """Synthesis of the sentence began."""

    def on_sentence_started(self, index: int, delay_s: float) -> None:
        """The sentence's first sample went to the output; it is heard delay_s later."""

    def on_clip_ready(self, index: int) -> None:
        """The sentence's audio was generated (and stored)."""

    def on_clip_queued(self, index: int) -> None:
        """The sentence's audio was handed to the player (decoded from the cache, or its first streamed chunk)."""

    def on_state(self, state: NarrationState) -> None:
        """The narrator's state changed."""

    def on_error(self, message: str) -> None:
        """Something the user should know went wrong (no model, disk full, device lost)."""

    def on_notice(self, message: str) -> None:
        """Good news for the status line (the audio device is back)."""

    def on_sentence_skipped(self, index: int, message: str) -> None:
        """The sentence kept failing and is left out."""


EngineProvider = Callable[[], SpeechEngine]


def wait_until(predicate: Callable[[], bool], timeout_s: float, poll_s: float = 0.01) -> bool:
    """Poll until predicate() is true or the timeout passes (tests and the command line use it)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll_s)
    return predicate()
