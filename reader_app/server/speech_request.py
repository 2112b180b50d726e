"""A `POST /v1/audio/speech` body (OpenAI's fields plus vLLM-Omni's Qwen3-TTS extensions) checked and turned into
what the engine is asked: a SynthesisRequest. Everything a client may send is bounded here, and nothing a client
sends can name a file on the server or make it fetch a URL: reference audio comes inline, base64-encoded."""

from __future__ import annotations

import base64
import binascii
import io
import os
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reader_app.audio.speed_range import SPEED_MAX, SPEED_MIN
from reader_app.models.catalog import ModelInfo
from reader_app.server.audio_format import STREAM_FORMATS, ResponseFormat
from reader_app.tts.engine import MODEL_KIND_LABEL, SynthesisRequest, VoiceKind, VoiceSpec

MAX_INPUT_CHARS = 4_000
MAX_REF_AUDIO_BYTES = 8 << 20  # decoded; about 3 minutes of 16-bit 24 kHz audio, far more than cloning needs
MAX_BATCH_ITEMS = 64
FRAMES_PER_TOKEN = 1  # one codec frame (12.5 Hz, 16 codes) per generated talker token


class TaskType(StrEnum):
    """vLLM-Omni's `task_type`: the three Qwen3-TTS checkpoint families."""

    CUSTOM_VOICE = "CustomVoice"
    VOICE_DESIGN = "VoiceDesign"
    BASE = "Base"


# The task names are Qwen's names of its checkpoint families (tts.engine.MODEL_KIND_LABEL).
TASK_MODEL_KIND = {TaskType(label): kind for kind, label in MODEL_KIND_LABEL.items()}
MODEL_TASK = {kind: task for task, kind in TASK_MODEL_KIND.items()}


class ApiError(Exception):
    """A request the server refuses: HTTP status and OpenAI's error shape."""

    def __init__(self, status: int, message: str, code: str = "invalid_request", kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.code, self.kind = status, message, code, kind

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.kind, "code": self.code}}


@dataclass
class SpeechJob:
    request: SynthesisRequest
    response_format: ResponseFormat
    stream: bool
    speed: float = 1.0  # applied to the whole take (pitch kept); a stream is always 1.0
    temp_files: list[str] = field(default_factory=list)  # decoded reference audio, removed when the job ends

    def discard(self) -> None:
        for path in self.temp_files:
            try:
                os.remove(path)
            except OSError:
                pass


def parse_speech(body: Any, model: ModelInfo, ref_cache: dict[str, str] | None = None) -> SpeechJob:
    """`ref_cache` (a batch's): the same inline recording sent for many items is decoded once."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    text = body.get("input")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "'input' must be a non-empty string.", "missing_input")
    if len(text) > MAX_INPUT_CHARS:
        raise ApiError(413, f"'input' has {len(text)} characters; at most {MAX_INPUT_CHARS} are accepted.",
                       "input_too_long")
    fmt = _choice(body.get("response_format", ResponseFormat.WAV), ResponseFormat, "response_format")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise ApiError(400, "'stream' must be true or false.")
    if stream and fmt not in STREAM_FORMATS:
        raise ApiError(400, "Streaming sends audio as it is decoded: ask for response_format 'pcm' (or 'wav') "
                       "with stream true.", "stream_format")
    speed = _speed(body.get("speed"), stream)
    task = _choice(body.get("task_type", MODEL_TASK[model.kind]), TaskType, "task_type")
    if TASK_MODEL_KIND[task] != model.kind:
        raise ApiError(400, f"This server's model is a {MODEL_TASK[model.kind]} model; it cannot do {task}.",
                       "task_type")
    job = SpeechJob(SynthesisRequest(text, VoiceSpec()), fmt, stream, speed)
    voice = _voice(body, task, model, job, ref_cache)
    request = SynthesisRequest(text.strip(), voice, _language(body.get("language"), model),
                               max_frames=_max_frames(body.get("max_new_tokens")))
    job.request = request
    return job


def _choice(value: Any, enum: type[StrEnum], name: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise ApiError(400, f"'{name}' must be one of {', '.join(enum)} (got {value!r}).", name) from None


def _speed(value: Any, stream: bool) -> float:
    """vLLM-Omni's `speed` (1.0 when streaming, as there); the app's time stretch serves SPEED_MIN..SPEED_MAX."""
    if value is None:
        return 1.0
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not SPEED_MIN <= value <= SPEED_MAX:
        raise ApiError(400, f"'speed' must be a number from {SPEED_MIN:g} to {SPEED_MAX:g} (got {value!r}).",
                       "speed")
    if stream and value != 1.0:
        raise ApiError(400, "Speed other than 1.0 cannot stream: set speed 1.0 or omit it, or ask without "
                       "stream (the app's players change speed themselves).", "speed")
    return float(value)


def _language(value: Any, model: ModelInfo) -> str:
    if value is None or (isinstance(value, str) and value.lower() == "auto"):
        return "auto"
    if not isinstance(value, str) or value.lower() not in model.languages:
        raise ApiError(400, f"Unknown language {value!r}; use Auto or one of {', '.join(model.languages)}.",
                       "language")
    return value.lower()


def _max_frames(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ApiError(400, "'max_new_tokens' must be a positive integer.", "max_new_tokens")
    return value * FRAMES_PER_TOKEN


def _text(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_INPUT_CHARS:
        raise ApiError(400, f"'{name}' must be a string of at most {MAX_INPUT_CHARS} characters.", name)
    return value.strip() or None


def _voice(body: dict, task: TaskType, model: ModelInfo, job: SpeechJob,
           ref_cache: dict[str, str] | None) -> VoiceSpec:
    instructions = _text(body, "instructions")
    if task is TaskType.CUSTOM_VOICE:
        speaker = body.get("voice") or (model.speakers[0] if model.speakers else None)
        if not isinstance(speaker, str) or speaker.lower() not in model.speakers:
            raise ApiError(400, f"Unknown voice {speaker!r}; this model's voices are {', '.join(model.speakers)}.",
                           "voice_not_found")
        return VoiceSpec(kind=VoiceKind.PRESET, speaker=speaker.lower(), instruct=instructions)
    if task is TaskType.VOICE_DESIGN:
        if not instructions:
            raise ApiError(400, "VoiceDesign needs 'instructions': a description of the voice.", "instructions")
        return VoiceSpec(kind=VoiceKind.DESIGN, description=instructions)
    ref_text = _text(body, "ref_text")
    x_vector_only = body.get("x_vector_only_mode", False)
    if not isinstance(x_vector_only, bool):
        raise ApiError(400, "'x_vector_only_mode' must be true or false.")
    if not x_vector_only and not ref_text:
        raise ApiError(400, "Base (cloning) needs 'ref_text', the transcript of ref_audio, unless "
                       "x_vector_only_mode is true.", "ref_text")
    value = body.get("ref_audio")
    path = ref_cache.get(value) if ref_cache is not None and isinstance(value, str) else None
    if path is None:
        path = _reference_file(value, job)
        if ref_cache is not None and isinstance(value, str):
            ref_cache[value] = path
    return VoiceSpec(kind=VoiceKind.CLONE, ref_audio=path, ref_text=None if x_vector_only else ref_text)


def _reference_file(value: Any, job: SpeechJob) -> str:
    """Inline audio only (base64, or a data: URI of it), decoded and checked, in a temp file the server owns."""
    if not isinstance(value, str) or not value:
        raise ApiError(400, "Base (cloning) needs 'ref_audio': the recording, base64-encoded.", "ref_audio")
    if value.startswith("data:"):
        header, sep, value = value.partition(",")
        if not sep or ";base64" not in header:
            raise ApiError(400, "'ref_audio' as a data: URI must be base64 (data:audio/wav;base64,...).",
                           "ref_audio")
    elif "://" in value[:16] or value.startswith(("/", "~", ".", "\\")) or (len(value) > 1 and value[1] == ":"):
        raise ApiError(400, "'ref_audio' must be the audio itself, base64-encoded: this server never reads "
                       "its own files or fetches URLs for a client.", "ref_audio")
    if len(value) > MAX_REF_AUDIO_BYTES * 4 // 3 + 4:
        raise ApiError(413, f"'ref_audio' is over {MAX_REF_AUDIO_BYTES >> 20} MiB.", "ref_audio_too_large")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "'ref_audio' is not valid base64 (a file path or URL is not accepted).",
                       "ref_audio") from None
    import soundfile as sf

    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError, TypeError, ValueError):
        raise ApiError(400, "'ref_audio' could not be decoded as audio (WAV, FLAC or Ogg).", "ref_audio") from None
    if len(samples) < rate // 2:
        raise ApiError(400, "'ref_audio' is shorter than half a second.", "ref_audio")
    handle, path = tempfile.mkstemp(prefix="reader-serve-ref-", suffix=".wav")
    os.close(handle)
    job.temp_files.append(path)
    sf.write(path, samples.mean(axis=1), rate, subtype="PCM_16")
    return path
