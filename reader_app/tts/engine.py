"""The speech engine seam: what narration asks for, independent of how the model runs.

The Qwen engine (real qwen_tts code over a checkpoint folder) is the only implementation that ships; tests
run it on tiny checkpoints the suite builds itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from reader_app.audio.clip import AudioClip

SAMPLE_RATE = 24_000


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


@dataclass(frozen=True)
class VoiceSpec:
    """Who narrates. kind: "preset" (CustomVoice speaker + optional style instruction),
    "design" (VoiceDesign description) or "clone" (Base model, reference audio + transcript)."""

    kind: str = "preset"
    speaker: str | None = None
    instruct: str | None = None
    description: str | None = None
    ref_audio: str | None = None  # path of the reference recording (clone)
    ref_text: str | None = None  # its transcript; None means x-vector-only cloning
    prompt_path: str | None = None  # stored clone prompt (safetensors), computed once

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


class EngineError(RuntimeError):
    """A clear, user-facing failure: missing model, unsupported voice for this model kind, bad input."""


class SpeechEngine(Protocol):
    sample_rate: int

    @property
    def model_id(self) -> str:
        """Fingerprint of the loaded checkpoint, used in clip cache keys."""

    @property
    def settings(self) -> dict:
        """Generation settings that change the audio (part of the clip key)."""

    def synthesize(self, requests: Sequence[SynthesisRequest],
                   on_clip: Callable[[int, AudioClip], None] | None = None) -> list[AudioClip]:
        """Generate one clip per request (batched where the engine can); on_clip is called as each finishes."""
