"""Which voice a model can speak: the one check, made before narration, pregeneration, export or a voice
command starts, so a voice of the wrong kind is said once instead of failing every sentence.

A preset speaker needs a CustomVoice checkpoint, a designed voice a VoiceDesign one, a cloned voice a Base one
(tts.engine.VOICE_MODEL_KIND). The engines refuse a mismatch too, but only per sentence, deep in a batch.
"""

from __future__ import annotations

from reader_app.tts.engine import MODEL_KIND_LABEL, VOICE_MODEL_KIND, EngineError, ModelKind, VoiceKind

# How a voice of each kind is called in a sentence: "voice 'X' (designed)".
VOICE_KIND_WORD = {VoiceKind.PRESET: "preset", VoiceKind.DESIGN: "designed", VoiceKind.CLONE: "cloned"}
# What a model of each kind can narrate with instead.
_INSTEAD = {ModelKind.CUSTOM_VOICE: "choose a preset speaker", ModelKind.VOICE_DESIGN: "choose a designed voice",
            ModelKind.BASE: "choose a cloned voice"}


class VoiceModelMismatch(EngineError):
    """A voice (or a voice command) given a model of another kind; a usage error on the command line."""


def mismatch(voice_kind: VoiceKind | str, model_kind: ModelKind | str, name: str = "",
             advice: str | None = None) -> str | None:
    """Why a model of `model_kind` cannot speak a `voice_kind` voice called `name`, or None when it can.
    advice: what to do instead (default: choose a voice this model speaks, or open a model of the needed kind)."""
    voice_kind, model_kind = VoiceKind(voice_kind), ModelKind(model_kind)
    needed = VOICE_MODEL_KIND[voice_kind]
    if needed == model_kind:
        return None
    who = f"voice {name!r}" if name else "a voice"
    if advice is None:
        advice = f"{_INSTEAD[model_kind]} or open a {MODEL_KIND_LABEL[needed]} model"
    return (f"{who} ({VOICE_KIND_WORD[voice_kind]}) needs a {MODEL_KIND_LABEL[needed]} model; this model is "
            f"{MODEL_KIND_LABEL[model_kind]} — {advice}")


def check_voice_for_model(voice_kind: VoiceKind | str, model_kind: ModelKind | str, name: str = "",
                          advice: str | None = None) -> None:
    """VoiceModelMismatch (an EngineError) with mismatch()'s message when the model cannot speak the voice."""
    problem = mismatch(voice_kind, model_kind, name, advice)
    if problem is not None:
        raise VoiceModelMismatch(problem)


def engine_mismatch(voice_kind: VoiceKind | str, engine: object) -> str | None:
    """mismatch() for a loaded engine: the Qwen engines say their checkpoint's kind (`kind`); an engine that
    does not (the tests' tone engines) speaks anything."""
    kind = getattr(engine, "kind", None)
    if kind is None or kind not in tuple(ModelKind):
        return None
    return mismatch(voice_kind, kind)
