"""What the app and its engine process say to each other over a multiprocessing pipe.

Every message is a small frozen dataclass (pickled by the pipe); audio travels as float32 numpy arrays inside
reader_app.tts.engine.StreamEvent, unchanged, so what the child decodes is what the app plays, sample for sample.
Clone prompts come back as reader_app.tts.clone_prompt.PromptData (numpy arrays), never as torch tensors.
Nothing here imports torch: the app side must stay free of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reader_app.tts.clone_prompt import PromptData
from reader_app.tts.engine import StreamEvent, SynthesisRequest, VoiceSpec


@dataclass(frozen=True)
class EngineSpec:
    """What the child loads: the same arguments as narration.engine_provider.qwen_engine_provider."""

    engine: str
    model_path: str
    device: str = "auto"
    dtype: str = "auto"
    threads: int | None = None
    options: dict[str, Any] = field(default_factory=dict)


# -- app -> engine process ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Synthesize:
    job: int
    requests: tuple[SynthesisRequest, ...]


@dataclass(frozen=True)
class MakeClonePrompt:
    """The voice studio saving a clone: the child's engine computes the prompt of voice.ref_audio (a file on
    this machine) and answers PromptReady, or JobFailed like a synthesis job."""

    job: int
    voice: VoiceSpec


@dataclass(frozen=True)
class Cancel:
    job: int


@dataclass(frozen=True)
class Shutdown:
    pass


# -- engine process -> app ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ready:
    """The model is loaded; what the app needs to know of the engine without asking again."""

    model_id: str
    settings: dict[str, Any]
    sample_rate: int
    kind: str | None  # the checkpoint's ModelKind (voices/compat.py checks voices against it)
    speakers: tuple[str, ...] = ()
    pid: int = 0


@dataclass(frozen=True)
class LoadFailed:
    message: str


@dataclass(frozen=True)
class Chunk:
    job: int
    event: StreamEvent


@dataclass(frozen=True)
class JobDone:
    job: int


@dataclass(frozen=True)
class PromptReady:
    job: int
    prompt: PromptData


@dataclass(frozen=True)
class JobFailed:
    """A request the engine refused or failed on; `user_error` is an EngineError (a clear, user-facing reason)."""

    job: int
    message: str
    user_error: bool
