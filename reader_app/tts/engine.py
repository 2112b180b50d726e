"""The speech engine seam: what narration asks for, independent of how the model runs.

Two engines ship, both real qwen_tts code over a checkpoint folder: the fast engine (tts/fast/, streams audio
as it decodes) and the stock one (tts/stock/). Tests run them on tiny checkpoints the suite builds itself.
Every engine takes `cancel`; one that streams says so by implementing StreamingSpeechEngine.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: `reader-app --help` imports this module, numpy is not needed for it
    import numpy as np

    from reader_app.audio.clip import AudioClip

SAMPLE_RATE = 24_000


class EngineKind(StrEnum):
    """The engines that ship (reader_app.narration.engine_provider picks one)."""

    FAST = "fast"  # reader_app.tts.fast: our own decoding loop, streaming (preferred)
    STOCK = "stock"  # reader_app.tts.stock: qwen_tts's own generate
    REMOTE = "remote"  # reader_app.tts.remote: a speech server (reader-app serve, vLLM-Omni) over HTTP


class EngineHost(StrEnum):
    """Where the engine runs (reader_app.narration.engine_provider.chosen_host picks one)."""

    PROCESS = "process"  # a child process of its own (reader_app/service): the app never imports torch
    INLINE = "inline"  # in the asking process (the engine process itself, benchmarks)
    REMOTE = "remote"  # a speech server (settings.remote_server), for narration; the studio runs as PROCESS


class ModelKind(StrEnum):
    """The three Qwen3-TTS checkpoint families (`tts_model_type` in a checkpoint's config.json)."""

    CUSTOM_VOICE = "custom_voice"  # preset speakers, optional style instruction
    VOICE_DESIGN = "voice_design"  # a voice described in words
    BASE = "base"  # voice cloning from a reference recording


class VoiceKind(StrEnum):
    """How a narrator's voice is made; each kind needs one model kind (VOICE_MODEL_KIND)."""

    PRESET = "preset"
    DESIGN = "design"
    CLONE = "clone"


VOICE_MODEL_KIND = {VoiceKind.PRESET: ModelKind.CUSTOM_VOICE, VoiceKind.DESIGN: ModelKind.VOICE_DESIGN,
                    VoiceKind.CLONE: ModelKind.BASE}
MODEL_KIND_LABEL = {ModelKind.CUSTOM_VOICE: "CustomVoice", ModelKind.VOICE_DESIGN: "VoiceDesign",
                    ModelKind.BASE: "Base"}  # as Qwen names its checkpoints


@dataclass(frozen=True)
class VoiceSpec:
    """Who narrates. kind: preset (CustomVoice speaker + optional style instruction),
    design (VoiceDesign description) or clone (Base model, reference audio + transcript)."""

    kind: VoiceKind = VoiceKind.PRESET
    speaker: str | None = None
    instruct: str | None = None
    description: str | None = None
    ref_audio: str | None = None  # path of the reference recording (clone)
    ref_text: str | None = None  # its transcript; None means x-vector-only cloning
    prompt_path: str | None = None  # stored clone prompt (safetensors), computed once

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", VoiceKind(self.kind))  # from JSON it arrives as a plain string
        except ValueError:
            raise EngineError(f"Unknown voice kind {self.kind!r}; use preset, design or clone.") from None

    @property
    def voice_id(self) -> str:
        """Fingerprint used in clip cache keys. Files count by their content, not their path, so moving the
        data folder (or importing the same voice on another machine) keeps cached audio valid."""
        fields = asdict(self)
        for name in ("ref_audio", "prompt_path"):
            if fields[name]:
                fields[name] = _file_digest(fields[name])
        payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _file_digest(path: str) -> str:
    try:
        stat = os.stat(path)
    except OSError:
        return path  # not there (yet): the path is all there is to go by
    return _content_digest(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _content_digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


@dataclass(frozen=True)
class SynthesisRequest:
    text: str
    voice: VoiceSpec
    language: str = "auto"  # the model's language name ("English", "Chinese", ...) or "auto"
    take: int = 0  # 0: the first draw; a regenerated take n > 0 samples with its own seed (take_seed)
    # Lower goes first where an engine queues requests (the engine process's feed): the sentence being heard
    # before those ahead, playback before pregeneration. Not what is said: never part of a clip key.
    priority: int = 0
    # A lower cap on this sentence's frames than its text's budget (a server client's max_new_tokens); it can
    # only shorten a take, never lengthen it past the budget that guards against a missed EOS.
    max_frames: int | None = None


# Far from any seed a user types, so take n of seed s never collides with take 0 of another small seed.
TAKE_SEED_STRIDE = 1_000_003
_SEED_MODULUS = 2**63 - 1


def take_seed(seed: int | None, take: int) -> int | None:
    """The sampling seed of `take`: the engine's own seed for take 0 (None stays nondeterministic), and a fixed,
    different seed for every later take, so a take sounds the same each time it is made and unlike the others."""
    if take <= 0:
        return seed
    return ((seed or 0) + take * TAKE_SEED_STRIDE) % _SEED_MODULUS


def take_groups(requests: Sequence[SynthesisRequest]) -> list[list[int]]:
    """Request indices in the groups an engine samples together: every take-0 request in one group (batched as
    always), each later take alone, so a take's draw never depends on what it was batched with."""
    first = [i for i, r in enumerate(requests) if r.take <= 0]
    return ([first] if first else []) + [[i] for i, r in enumerate(requests) if r.take > 0]


class EngineError(RuntimeError):
    """A clear, user-facing failure: missing model, unsupported voice for this model kind, bad input."""


class EngineGone(EngineError):
    """The engine went away mid-job (its process died): nothing was wrong with the sentences, and the next call
    brings it back, so the job is worth one more whole try. The message says it to the listener."""


class StopReason(StrEnum):
    """Why a sentence's generation ended."""

    EOS = "eos"  # the model said it was done
    BUDGET = "budget"  # the frame budget for its text ran out (reader_app.tts.budget)
    LOOP = "loop"  # the codes repeated: the model was stuck
    SILENCE = "silence"  # too long a silence after speech
    CANCELLED = "cancelled"  # the one who asked no longer wants it (a continuous feed's cancel)


@dataclass(frozen=True)
class AudioChunk:
    """A piece of one sentence's audio as it streams out; `start` counts samples from the sentence start."""

    samples: np.ndarray  # float32 mono
    sample_rate: int
    start: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / float(self.sample_rate)


@dataclass(frozen=True)
class StreamEvent:
    """One step of a streaming synthesis: a chunk of request `index`; `is_last` ends that request."""

    index: int
    chunk: AudioChunk
    is_last: bool
    stop_reason: StopReason | None = None  # on the last chunk


ClipCallback = Callable[[int, "AudioClip"], None]  # (request index, its clip), as each clip finishes


class SpeechEngine(Protocol):
    """An engine may also say `concurrent_jobs = True`: it takes calls from several threads at once and batches
    them together (the engine process, a speech server); the narrator then makes the cursor sentence after a seek
    beside the look-ahead batch in flight."""

    sample_rate: int

    @property
    def model_id(self) -> str:
        """Fingerprint of the loaded checkpoint, used in clip cache keys."""

    @property
    def settings(self) -> dict:
        """Generation settings that change the audio (part of the clip key)."""

    def synthesize(self, requests: Sequence[SynthesisRequest], *, cancel: threading.Event | None = None,
                   on_clip: ClipCallback | None = None) -> list[AudioClip]:
        """One clip per request, in order (batched where the engine can); on_clip is called as each finishes.
        Once `cancel` is set the engine stops at its next chance and returns only the clips finished by then."""


@runtime_checkable
class StreamingSpeechEngine(SpeechEngine, Protocol):
    """An engine that hands out audio while it decodes (the fast engine): first audio comes sooner."""

    def synthesize_stream(self, requests: Sequence[SynthesisRequest]) -> Generator[StreamEvent, None, None]:
        """Chunks of every request as they are decoded; requests interleave and each ends with is_last.
        Closing the generator stops the decoding at once."""


class RequestFeed(Protocol):
    """Where a continuous feed's requests come from (the engine process's queue, reader_app/service/feed.py).
    Keys are the feed's own ints; the engine's events carry them as their index."""

    def take(self, n: int) -> list[tuple[int, SynthesisRequest]]:
        """Up to n requests to start now (most urgent first); an empty list when there are none. Never blocks."""

    def stops(self) -> Iterable[int]:
        """Keys of started requests nobody wants any more: the engine ends them at its next chance."""

    def fail(self, key: int, error: Exception) -> None:
        """Request `key` could not be started (its prompt failed): the engine has dropped it."""


@runtime_checkable
class FeedingSpeechEngine(StreamingSpeechEngine, Protocol):
    """An engine that takes requests while it decodes (the fast engine): a freed slot takes the next one."""

    def synthesize_feed(self, feed: RequestFeed) -> Generator[StreamEvent, None, None]:
        """Decodes the feed's requests until it has nothing more and nothing is in flight."""

