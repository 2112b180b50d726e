"""RemoteEngine: the SpeechEngine seam over HTTP, to `reader-app serve` or to vLLM-Omni's speech API.

Each sentence is one streamed `POST /v1/audio/speech` (16-bit PCM), at most `max_concurrent` at a time, so the
server batches them (ours continuously, across clients). Every request carries `max_new_tokens` from its text's
frame budget: a missed EOS, the most reported Qwen3-TTS failure, cannot run to the server's own limit (vLLM-Omni
allows minutes). Clips are keyed by the server's model ("remote:<its model id>"), never mixed with local ones.
"""

from __future__ import annotations

import base64
import io
import queue
import threading
from collections.abc import Generator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.models.catalog import REMOTE_SIZE, ModelInfo
from reader_app.tts import budget
from reader_app.tts.engine import (
    MODEL_KIND_LABEL,
    SAMPLE_RATE,
    VOICE_MODEL_KIND,
    AudioChunk,
    ClipCallback,
    EngineError,
    ModelKind,
    StreamEvent,
    SynthesisRequest,
    VoiceKind,
)
from reader_app.tts.remote.http_client import SpeechServerClient
from reader_app.tts.stream_clips import collect_clips

MAX_CONCURRENT = 8
_CHUNK_BYTES = 9_600  # 0.2 s of 16-bit audio at 24 kHz per read
_KIND_BY_NAME = (("customvoice", ModelKind.CUSTOM_VOICE), ("voicedesign", ModelKind.VOICE_DESIGN),
                 ("base", ModelKind.BASE))
_END = object()


class RemoteEngine:
    sample_rate = SAMPLE_RATE
    concurrent_jobs = True  # each call its own requests: the server batches them

    def __init__(self, url: str, token: str | None = None, *, max_concurrent: int = MAX_CONCURRENT,
                 client: SpeechServerClient | None = None) -> None:
        self.client = client or SpeechServerClient(url, token)
        self.max_concurrent = max(1, max_concurrent)
        self.languages: list[str] = []
        self.server_model, self._model_id, self.kind, self.speakers = self._describe()

    def model_info(self) -> ModelInfo:
        """What narration knows of a model (voice checks, clip keys), for the server's model."""
        return ModelInfo(path=Path(self.server_model or "remote"), kind=self.kind or ModelKind.CUSTOM_VOICE,
                         size=REMOTE_SIZE, is_random_test_checkpoint=False, model_id=self.model_id,
                         speakers=tuple(s.lower() for s in self.speakers),
                         languages=tuple(s.lower() for s in self.languages), extra={"server": self.client.url})

    def _describe(self) -> tuple[str, str, ModelKind | None, list[str]]:
        """Ours answers /health with everything; vLLM-Omni has /v1/models (and its model's name says its kind)."""
        try:
            health = self.client.get_json("/health")
        except EngineError:
            health = None
        if isinstance(health, dict) and health.get("model_id"):
            kind = health.get("model_kind")
            self.languages = list(health.get("languages") or [])
            return (str(health.get("model", "")), str(health["model_id"]),
                    ModelKind(kind) if kind in tuple(ModelKind) else None, list(health.get("voices") or []))
        models = self.client.get_json("/v1/models")
        try:
            name = str(models["data"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise EngineError(f"The speech server at {self.client.url} names no model (/v1/models).") from None
        folded = name.lower().replace("-", "").replace("_", "")
        kind = next((k for tag, k in _KIND_BY_NAME if tag in folded), None)
        return name, name, kind, self._listed_voices()

    def _listed_voices(self) -> list[str]:
        """vLLM-Omni's GET /v1/audio/voices: {"voices": [names], "uploaded_voices": [{"name": ...}]}; the
        presets are what a CustomVoice model speaks (a server without the endpoint: none known)."""
        try:
            listing = self.client.get_json("/v1/audio/voices")
        except EngineError:
            return []
        voices = listing.get("voices") if isinstance(listing, dict) else None
        names = [v.get("name") if isinstance(v, dict) else v for v in voices or []]
        return [name for name in names if isinstance(name, str) and name]

    @property
    def model_id(self) -> str:
        return f"remote:{self._model_id}"

    @property
    def settings(self) -> dict:
        return {"engine": "remote", "server_model": self.server_model}

    # -- synthesis ---------------------------------------------------------------------------------------------
    def synthesize(self, requests: Sequence[SynthesisRequest], *, cancel: threading.Event | None = None,
                   on_clip: ClipCallback | None = None) -> list[AudioClip]:
        return collect_clips(self.synthesize_stream(requests), self.sample_rate, cancel, on_clip)

    def synthesize_stream(self, requests: Sequence[SynthesisRequest]) -> Generator[StreamEvent, None, None]:
        """Chunks of every request as the server sends them; closing the generator hangs up on the server."""
        events: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()
        pool = ThreadPoolExecutor(max_workers=min(self.max_concurrent, max(1, len(requests))),
                                  thread_name_prefix="remote-speech")
        for index, request in enumerate(requests):
            pool.submit(self._one, index, request, events, stop)
        remaining = len(requests)
        try:
            while remaining:
                item = events.get()
                if item is _END:
                    remaining -= 1
                elif isinstance(item, Exception):
                    raise item
                else:
                    yield item
        finally:
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)

    def _one(self, index: int, request: SynthesisRequest, events: queue.Queue[Any], stop: threading.Event) -> None:
        if stop.is_set():
            events.put(_END)
            return
        try:
            response = self.client.post("/v1/audio/speech", self.request_body(request))
            with response:
                if "wav" in (response.headers.get("Content-Type") or "") or not _is_pcm(response):
                    self._whole_file(index, response.read(), events)
                else:
                    self._pcm_stream(index, response, events, stop)
        except Exception as exc:  # noqa: BLE001 - handed to the caller's thread, which raises it
            events.put(exc if isinstance(exc, EngineError) else
                       EngineError(f"The speech server at {self.client.url} failed mid-sentence: {exc}"))
        events.put(_END)

    def _pcm_stream(self, index: int, response: Any, events: queue.Queue[Any], stop: threading.Event) -> None:
        written, carry = 0, b""
        pending: np.ndarray | None = None  # one chunk held back, so the last one can say is_last
        while not stop.is_set():
            block = response.read1(_CHUNK_BYTES)
            if not block:
                break
            block, carry = carry + block, b""
            if len(block) % 2:
                block, carry = block[:-1], block[-1:]
            samples = np.frombuffer(block, dtype="<i2").astype(np.float32) / 32767.0
            if pending is not None:
                events.put(StreamEvent(index, AudioChunk(pending, SAMPLE_RATE, written), False))
                written += len(pending)
            pending = samples
        if stop.is_set():
            return
        last = pending if pending is not None else np.zeros(0, np.float32)
        events.put(StreamEvent(index, AudioChunk(last, SAMPLE_RATE, written), True))

    def _whole_file(self, index: int, data: bytes, events: queue.Queue[Any]) -> None:
        import soundfile as sf

        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
        mono = samples.mean(axis=1)
        if rate != SAMPLE_RATE:
            raise EngineError(f"The speech server sent {rate} Hz audio; the app plays Qwen3-TTS's {SAMPLE_RATE} Hz.")
        events.put(StreamEvent(index, AudioChunk(mono.astype(np.float32), SAMPLE_RATE, 0), True))

    @staticmethod
    def request_body(request: SynthesisRequest) -> dict[str, Any]:
        """OpenAI's fields plus vLLM-Omni's Qwen3-TTS ones; a clone's recording travels inline, never a path."""
        voice = request.voice
        frames = budget.frame_budget(request.text, language=request.language)
        if request.max_frames is not None:
            frames = min(frames, request.max_frames)
        language = request.language or "auto"
        task = MODEL_KIND_LABEL[VOICE_MODEL_KIND[voice.kind]]  # vLLM-Omni's task_type: Qwen's family names
        body: dict[str, Any] = {"input": request.text, "task_type": task, "response_format": "pcm", "stream": True,
                                "language": "Auto" if language.lower() == "auto" else language.capitalize(),
                                "max_new_tokens": budget.max_new_tokens(frames)}
        if voice.kind == VoiceKind.PRESET:
            if voice.speaker:
                body["voice"] = voice.speaker
            if voice.instruct:
                body["instructions"] = voice.instruct
        elif voice.kind == VoiceKind.DESIGN:
            body["instructions"] = voice.description or voice.instruct or ""
        else:
            if not voice.ref_audio or not Path(voice.ref_audio).is_file():
                raise EngineError("A cloned voice needs its reference recording to be sent to a speech server.")
            data = Path(voice.ref_audio).read_bytes()
            body["ref_audio"] = "data:audio/wav;base64," + base64.b64encode(data).decode("ascii")
            if voice.ref_text:
                body["ref_text"] = voice.ref_text
            else:
                body["x_vector_only_mode"] = True
        return body


def _is_pcm(response: Any) -> bool:
    kind = response.headers.get("Content-Type") or ""
    return "pcm" in kind or "octet-stream" in kind or kind == ""
