"""The speech engine that ships: stock qwen_tts generation on a Qwen3-TTS checkpoint (CUDA, MPS or CPU).

Requests that share a voice are generated together in one batched generate_* call. Every request gets a
frame budget from its text (reader_app.tts.budget) so a missed end-of-speech token cannot run for minutes,
and leading/trailing silence is trimmed. Heavy imports (torch, qwen_tts) happen when an engine is created.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.models.catalog import ModelInfo, inspect_model
from reader_app.tts import budget
from reader_app.tts.engine import (
    MODEL_KIND_LABEL,
    SAMPLE_RATE,
    VOICE_MODEL_KIND,
    ClipCallback,
    EngineError,
    ModelKind,
    SynthesisRequest,
    VoiceKind,
    VoiceSpec,
    take_seed,
)
from reader_app.tts.sampling_keys import SAMPLING_KEYS
from reader_app.tts.silence import trim_silence

log = logging.getLogger(__name__)

_VOICE_ACTION = {VoiceKind.PRESET: "speak preset speakers", VoiceKind.DESIGN: "design a voice from a description",
                 VoiceKind.CLONE: "clone a voice from a recording"}


class _DropGreedyFlagWarning(logging.Filter):
    """Greedy decoding keeps the checkpoint's temperature/top_k in the kwargs (the wrapper fills them in);
    transformers then warns on every call that they are unused."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "generation flags are not valid" not in record.getMessage()


_GREEDY_FILTER = _DropGreedyFlagWarning()


@dataclass
class _Item:
    index: int
    request: SynthesisRequest
    frames: int  # budget


class QwenEngine:
    """SpeechEngine over qwen_tts.Qwen3TTSModel. One synthesize() at a time (calls are serialised)."""

    sample_rate = SAMPLE_RATE

    def __init__(self, model_path: str | Path, device: str = "auto", dtype: str = "auto",
                 threads: int | None = None, seed: int | None = None,
                 max_frames_per_char: float = budget.DEFAULT_MAX_FRAMES_PER_CHAR, *,
                 margin_frames: int = budget.DEFAULT_MARGIN_FRAMES, greedy: bool = False,
                 sampling: dict[str, Any] | None = None, max_batch: int = 8, trim: bool = True) -> None:
        self.info: ModelInfo = inspect_model(model_path)  # clear error before any heavy import
        from reader_app.tts.qwen_import import import_qwen_tts

        qwen_tts = import_qwen_tts()
        from reader_app.tts.placement import resolve_device, resolve_dtype, set_threads

        set_threads(threads)
        placed = resolve_device(device)
        self.device = "cuda:0" if placed.type == "cuda" and placed.index is None else str(placed)
        self.dtype = resolve_dtype(dtype, placed)
        self.seed = seed
        self.max_frames_per_char = float(max_frames_per_char)
        self.margin_frames = int(margin_frames)
        self.max_batch = max(1, int(max_batch))
        self.trim = trim
        kwargs: dict[str, Any] = {"dtype": self.dtype}
        if self.device != "cpu":
            kwargs["device_map"] = self.device
        try:
            self.model = qwen_tts.Qwen3TTSModel.from_pretrained(str(self.info.path), **kwargs)
        except Exception as exc:  # noqa: BLE001 - surface loader failures as one clear message
            raise EngineError(f"Could not load the model in {self.info.path}: {type(exc).__name__}: {exc}") from exc
        self._quiet_generation_config()
        self._sampling = self._resolve_sampling(greedy, sampling or {})
        self._prompts: dict[str, Any] = {}  # voice_id -> VoiceClonePromptItem
        self._lock = threading.Lock()

    # -- description -------------------------------------------------------------------------------------
    @property
    def model_id(self) -> str:
        return self.info.model_id

    @property
    def kind(self) -> ModelKind:
        return self.info.kind

    @property
    def speakers(self) -> tuple[str, ...]:
        return self.info.speakers

    @property
    def ignores_instructions(self) -> bool:
        return self.info.ignores_instructions

    @property
    def settings(self) -> dict:
        """Everything that changes the audio for a given text and voice (part of the clip key)."""
        out = dict(self._sampling)
        out["seed"] = self.seed
        return out

    def frame_budget(self, text: str) -> int:
        return budget.frame_budget(text, self.max_frames_per_char, self.margin_frames)

    def _resolve_sampling(self, greedy: bool, overrides: dict[str, Any]) -> dict[str, Any]:
        defaults = dict(self.model.generate_defaults or {})
        merged = {k: defaults[k] for k in SAMPLING_KEYS if k in defaults}
        unknown = set(overrides) - set(SAMPLING_KEYS)
        if unknown:
            raise EngineError(f"Unknown sampling settings: {', '.join(sorted(unknown))}")
        merged.update(overrides)
        if greedy:
            merged.update(do_sample=False, subtalker_dosample=False)
            gen_log = logging.getLogger("transformers.generation.configuration_utils")
            if _GREEDY_FILTER not in gen_log.filters:
                gen_log.addFilter(_GREEDY_FILTER)
        return merged

    def _quiet_generation_config(self) -> None:
        """Set pad = eos up front, as generate() would, without its log line on every call."""
        inner = self.model.model
        eos = inner.config.talker_config.codec_eos_token_id
        for module in (inner.talker, getattr(inner.talker, "code_predictor", None)):
            config = getattr(module, "generation_config", None)
            if config is not None and config.pad_token_id is None:
                config.pad_token_id = eos

    # -- synthesis ---------------------------------------------------------------------------------------
    def synthesize(self, requests: Sequence[SynthesisRequest], *, cancel: threading.Event | None = None,
                   on_clip: ClipCallback | None = None) -> list[AudioClip]:
        """Batched generate_* calls; `cancel` is honoured between batches (a stock batch cannot be stopped)."""
        for request in requests:
            self._check_request(request)
        groups: dict[tuple[str, int], list[_Item]] = {}
        for i, request in enumerate(requests):
            # A later take is generated alone with its own seed (take_seed), so its draw is its own.
            group = (request.voice.voice_id, i if request.take > 0 else -1)
            frames = self.frame_budget(request.text)
            if request.max_frames is not None:  # a caller's lower cap (never above the text's budget)
                frames = max(1, min(frames, request.max_frames))
            groups.setdefault(group, []).append(_Item(i, request, frames))
        results: list[AudioClip | None] = [None] * len(requests)
        with self._lock:
            for items in groups.values():
                items.sort(key=lambda it: it.frames)  # similar lengths together: less padding waste
                for start in range(0, len(items), self.max_batch):
                    if cancel is not None and cancel.is_set():
                        return [clip for clip in results if clip is not None]
                    batch = items[start:start + self.max_batch]
                    for item, clip in zip(batch, self._generate(batch), strict=True):
                        results[item.index] = clip
                        if on_clip is not None:
                            on_clip(item.index, clip)
        return [clip for clip in results if clip is not None]

    def _check_request(self, request: SynthesisRequest) -> None:
        if not request.text or not request.text.strip():
            raise EngineError("Cannot synthesize empty text.")
        voice = request.voice
        if voice.kind not in _VOICE_ACTION:
            raise EngineError(f"Unknown voice kind {voice.kind!r}; use preset, design or clone.")
        needed = VOICE_MODEL_KIND[VoiceKind(voice.kind)]
        if self.kind != needed:
            raise EngineError(f"this model ({self.kind}) cannot {_VOICE_ACTION[VoiceKind(voice.kind)]}; "
                              f"choose a {MODEL_KIND_LABEL[needed]} model.")
        if voice.kind == VoiceKind.PRESET and voice.speaker and voice.speaker.lower() not in self.speakers:
            raise EngineError(f"Unknown speaker {voice.speaker!r}; this model's speakers are "
                              f"{', '.join(self.speakers)}.")
        if voice.kind == VoiceKind.CLONE and not (voice.ref_audio or voice.prompt_path):
            raise EngineError("A cloned voice needs a reference recording (ref_audio) or a stored prompt.")
        language = (request.language or "auto").lower()
        if language != "auto" and language not in self.info.languages:
            raise EngineError(f"Language {request.language!r} is not supported by this model; use auto or one "
                              f"of {', '.join(self.info.languages)}.")

    def _generate(self, batch: list[_Item]) -> list[AudioClip]:
        import torch

        voice = batch[0].request.voice
        texts = [it.request.text for it in batch]
        languages = [it.request.language or "auto" for it in batch]
        frames = max(it.frames for it in batch)
        kwargs = dict(self._sampling, max_new_tokens=budget.max_new_tokens(frames))
        seed = take_seed(self.seed, batch[0].request.take)
        if seed is not None:
            torch.manual_seed(seed)  # same batch, same audio
        try:
            if voice.kind == VoiceKind.PRESET:
                speaker = (voice.speaker or self.speakers[0]).lower()
                instruct = None if self.ignores_instructions else (voice.instruct or None)
                wavs, sr = self.model.generate_custom_voice(texts, speaker=speaker, language=languages,
                                                            instruct=instruct, **kwargs)
            elif voice.kind == VoiceKind.DESIGN:
                description = voice.description or voice.instruct or ""
                wavs, sr = self.model.generate_voice_design(texts, instruct=description, language=languages,
                                                            **kwargs)
            else:
                prompt = self._clone_prompt(voice)
                wavs, sr = self.model.generate_voice_clone(texts, language=languages, voice_clone_prompt=[prompt],
                                                           **kwargs)
        except EngineError:
            raise
        except (ValueError, NotImplementedError) as exc:
            raise EngineError(f"The model rejected the request: {exc}") from exc
        return [self._finish(np.asarray(wav, dtype=np.float32).reshape(-1), int(sr), it.frames)
                for wav, it in zip(wavs, batch, strict=True)]

    def _finish(self, wav: np.ndarray, sr: int, frames: int) -> AudioClip:
        # A batch runs to its longest member's budget; hold each clip to its own.
        wav = wav[: frames * budget.SAMPLES_PER_FRAME * sr // SAMPLE_RATE]
        wav = np.nan_to_num(wav, nan=0.0, posinf=0.0, neginf=0.0)
        if self.trim:
            wav = trim_silence(wav, sr)
        return AudioClip(np.clip(wav, -1.0, 1.0).astype(np.float32), sr)

    def _clone_prompt(self, voice: VoiceSpec):
        """The voice's clone prompt: from its stored file, or computed once from the recording."""
        cached = self._prompts.get(voice.voice_id)
        if cached is not None:
            return cached
        from reader_app.tts import clone_prompt

        if voice.prompt_path and Path(voice.prompt_path).expanduser().is_file():
            prompt = clone_prompt.load_clone_prompt(voice.prompt_path)
        else:
            if not voice.ref_audio:
                raise EngineError(f"Stored voice prompt {voice.prompt_path} does not exist and the voice has "
                                  "no reference recording to rebuild it from.")
            audio = clone_prompt.load_reference_audio(voice.ref_audio)
            try:
                prompt = self.model.create_voice_clone_prompt(
                    ref_audio=audio, ref_text=voice.ref_text or None,
                    x_vector_only_mode=not voice.ref_text)[0]
            except ValueError as exc:
                raise EngineError(f"Cannot build a voice from {voice.ref_audio}: {exc}") from exc
            if voice.prompt_path:
                clone_prompt.save_clone_prompt(prompt, voice.prompt_path)
        expected = self.model.model.config.talker_config.hidden_size
        if int(prompt.ref_spk_embedding.shape[-1]) != expected:
            raise EngineError("This cloned voice was made with a different model size; clone it again "
                              "with this model.")
        self._prompts[voice.voice_id] = prompt
        return prompt

    def clone_prompt_for(self, voice: VoiceSpec):
        """Compute (or fetch) a clone prompt, e.g. for a voice library that stores it."""
        self._check_request(SynthesisRequest(text=".", voice=voice))
        with self._lock:
            return self._clone_prompt(voice)


def load_engine(model_path: str | Path, device: str = "auto", dtype: str = "auto", threads: int | None = None,
                **kwargs: Any) -> QwenEngine:
    """Create the engine for the checkpoint in model_path (imports torch and qwen_tts; takes seconds)."""
    return QwenEngine(model_path, device=device, dtype=dtype, threads=threads, **kwargs)
