"""Prompt embeddings built by the stock wrapper itself, so our decoding starts from exactly its inputs.

Upstream builds the talker's prompt inside `Qwen3TTSForConditionalGeneration.generate` and then hands it to
`talker.generate(...)`. We call the wrapper's public API (generate_custom_voice / _voice_design / _voice_clone)
with that one call intercepted: the arguments it would have decoded from (prompt embeddings, trailing text
embeddings, the pad embedding and the merged generation settings) are captured and nothing is generated.
Validation, tokenisation, dialect handling and ICL/x-vector prompt layout all stay upstream's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import torch

from reader_app.tts.clone_prompt import load_reference_audio
from reader_app.tts.engine import VOICE_MODEL_KIND, EngineError, ModelKind, SynthesisRequest, VoiceKind, VoiceSpec


@dataclass
class Prompt:
    embeds: torch.Tensor  # (L, D) talker prompt
    trailing: torch.Tensor  # (T, D) text fed alongside the first T frames (pad embedding afterwards)
    pad: torch.Tensor  # (D,) tts_pad embedding
    ref_codes: torch.Tensor | None  # (R, 16) reference codes of ICL cloning: codec left context
    gen: dict[str, Any]  # talker generate kwargs as upstream merged them


class _Captured(Exception):
    def __init__(self, kwargs: dict[str, Any]) -> None:
        super().__init__("prompt captured")
        self.kwargs = kwargs


def _capture(**kwargs: Any) -> None:
    raise _Captured(kwargs)


class PromptBuilder:
    def __init__(self, wrapper: Any) -> None:
        self.wrapper = wrapper
        self.kind = wrapper.model.tts_model_type
        self._lock = threading.Lock()
        self._clone_items: dict[str, Any] = {}

    def build(self, request: SynthesisRequest, gen_kwargs: dict[str, Any]) -> Prompt:
        voice = request.voice
        ref_codes = None
        if voice.kind == VoiceKind.CLONE and self.kind == ModelKind.BASE:
            item = self.clone_item(voice)
            ref_codes = item.ref_code if item.icl_mode else None
        with self._lock:
            talker = self.wrapper.model.talker
            talker.generate = _capture  # instance attribute shadows the method for this one call
            try:
                self._call_wrapper(request, voice, gen_kwargs)
            except _Captured as cap:
                kw = cap.kwargs
            else:
                raise RuntimeError("qwen_tts generate API returned without calling talker.generate")
            finally:
                del talker.generate
        if kw["inputs_embeds"].shape[0] != 1:
            raise RuntimeError("expected a single-sentence prompt")
        gen = {k: v for k, v in kw.items()
               if k not in ("inputs_embeds", "attention_mask", "trailing_text_hidden", "tts_pad_embed")}
        return Prompt(embeds=kw["inputs_embeds"][0], trailing=kw["trailing_text_hidden"][0],
                      pad=kw["tts_pad_embed"].reshape(-1), ref_codes=ref_codes, gen=gen)

    def _call_wrapper(self, request: SynthesisRequest, voice: VoiceSpec, gen_kwargs: dict[str, Any]) -> None:
        """Call the wrapper API matching the voice (it raises _Captured from inside)."""
        lang = request.language or "auto"
        try:
            self._need(voice)
            if voice.kind == VoiceKind.PRESET:
                speaker = voice.speaker or sorted(self.wrapper.get_supported_speakers() or ["vivian"])[0]
                self.wrapper.generate_custom_voice(text=request.text, speaker=speaker, language=lang,
                                                   instruct=voice.instruct or None, **gen_kwargs)
            elif voice.kind == VoiceKind.DESIGN:
                self.wrapper.generate_voice_design(text=request.text, instruct=voice.description or "",
                                                   language=lang, **gen_kwargs)
            else:
                self.wrapper.generate_voice_clone(text=request.text, language=lang,
                                                  voice_clone_prompt=[self.clone_item(voice)], **gen_kwargs)
        except (ValueError, NotImplementedError) as exc:  # upstream's validation errors
            raise EngineError(str(exc)) from exc

    def _need(self, voice: VoiceSpec) -> None:
        kind = VOICE_MODEL_KIND[voice.kind]
        if self.kind != kind:
            raise EngineError(f"a '{voice.kind}' voice needs a {kind} model; this checkpoint is {self.kind}")

    def clone_item(self, voice: VoiceSpec) -> Any:
        """Upstream's VoiceClonePromptItem for a clone voice, computed once per voice."""
        key = voice.voice_id
        item = self._clone_items.get(key)
        if item is None:
            if not voice.ref_audio:
                raise EngineError("a clone voice needs a reference recording")
            x_vector_only = not voice.ref_text
            reference = load_reference_audio(voice.ref_audio)  # bounded and block-decoded, as the stock engine's
            item = self.wrapper.create_voice_clone_prompt(ref_audio=reference, ref_text=voice.ref_text,
                                                          x_vector_only_mode=x_vector_only)[0]
            self._clone_items[key] = item
        return item
