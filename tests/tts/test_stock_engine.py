"""QwenEngine: real qwen_tts generation on tiny random checkpoints (nothing faked inside the engine)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from reader_app.models.catalog import inspect_model
from reader_app.tts.budget import frame_budget
from reader_app.tts.engine import EngineError, SpeechEngine, SynthesisRequest, VoiceSpec

# Few frames, one torch thread: tests stay quick on 2 busy cores (OpenMP spin-waits make 2 threads on a
# loaded 2-core machine 10-20x slower than 1).
BUDGET = dict(max_frames_per_char=0.5, margin_frames=3)
FAST = dict(BUDGET, threads=1)


@pytest.fixture(scope="module")
def cv_engine(tiny_custom_voice: Path):
    from reader_app.tts.stock.engine import load_engine

    return load_engine(tiny_custom_voice, device="cpu", greedy=True, **FAST)


def _assert_clip(clip, frames: int) -> None:
    assert clip.sample_rate == 24_000
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert 0 < clip.samples.size <= frames * 1920  # runaway guard: never past the budget
    assert np.isfinite(clip.samples).all() and np.abs(clip.samples).max() <= 1.0


def test_batch_of_three_with_guard(cv_engine, tiny_custom_voice: Path) -> None:
    engine: SpeechEngine = cv_engine  # satisfies the protocol
    voice = VoiceSpec(kind="preset", speaker="ryan")
    texts = ["Hi.", "A much longer sentence, one that has many more words in it than the others.", "你好，世界。"]
    seen: list[int] = []
    clips = engine.synthesize([SynthesisRequest(t, voice, "auto") for t in texts],
                              on_clip=lambda i, clip: seen.append(i))
    assert len(clips) == 3 and sorted(seen) == [0, 1, 2]
    for text, clip in zip(texts, clips, strict=True):
        _assert_clip(clip, frame_budget(text, **BUDGET))
    assert engine.model_id == inspect_model(tiny_custom_voice).model_id
    assert engine.settings["do_sample"] is False and "seed" in engine.settings
    assert engine.ignores_instructions  # tiny checkpoints declare the 0.6B size tag


def test_greedy_is_reproducible_and_voices_batch_separately(cv_engine) -> None:
    reqs = [SynthesisRequest("Hello there.", VoiceSpec(kind="preset", speaker=s), "english")
            for s in ("vivian", "aiden")]
    first = cv_engine.synthesize(reqs)
    second = cv_engine.synthesize(reqs)
    assert all(np.array_equal(a.samples, b.samples) for a, b in zip(first, second, strict=True))


def test_wrong_voice_kind_is_a_clear_error(cv_engine) -> None:
    with pytest.raises(EngineError, match=r"this model \(custom_voice\) cannot design a voice"):
        cv_engine.synthesize([SynthesisRequest("Hi.", VoiceSpec(kind="design", description="calm"))])
    with pytest.raises(EngineError, match="choose a Base model"):
        cv_engine.synthesize([SynthesisRequest("Hi.", VoiceSpec(kind="clone", ref_audio="x.wav"))])
    with pytest.raises(EngineError, match="Unknown speaker"):
        cv_engine.synthesize([SynthesisRequest("Hi.", VoiceSpec(kind="preset", speaker="nobody"))])
    with pytest.raises(EngineError, match="Language 'Klingon'"):
        cv_engine.synthesize([SynthesisRequest("Hi.", VoiceSpec(), "Klingon")])


def test_voice_design_and_preset_refused(tiny_voice_design: Path) -> None:
    from reader_app.tts.stock.engine import QwenEngine

    engine = QwenEngine(tiny_voice_design, seed=3, **FAST)
    clips = engine.synthesize([SynthesisRequest("Hello.", VoiceSpec(kind="design", description="A deep voice."))])
    _assert_clip(clips[0], frame_budget("Hello.", **BUDGET))
    with pytest.raises(EngineError, match=r"this model \(voice_design\) cannot speak preset speakers; "
                                          "choose a CustomVoice model"):
        engine.synthesize([SynthesisRequest("Hi.", VoiceSpec(kind="preset", speaker="vivian"))])


def test_clone_icl_xvector_and_stored_prompt(tiny_base: Path, tmp_path: Path) -> None:
    from reader_app.tts.stock.engine import QwenEngine

    ref = tmp_path / "ref.wav"
    t = np.arange(36_000) / 24_000
    sf.write(ref, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 24_000)
    engine = QwenEngine(tiny_base, greedy=True, **FAST)
    icl = VoiceSpec(kind="clone", ref_audio=str(ref), ref_text="A short reference.",
                    prompt_path=str(tmp_path / "voice.safetensors"))
    xvec = VoiceSpec(kind="clone", ref_audio=str(ref))
    clips = engine.synthesize([SynthesisRequest("Hello.", icl), SynthesisRequest("Again, hello.", icl),
                               SynthesisRequest("Hello.", xvec)])
    assert len(clips) == 3
    for clip in clips:
        _assert_clip(clip, frame_budget("Again, hello.", **BUDGET))
    assert (tmp_path / "voice.safetensors").is_file()  # computed once, stored for next time
    assert len(engine._prompts) == 2

    # A fresh engine uses the stored prompt, even with the recording gone, and says the same thing.
    ref.unlink()
    again = QwenEngine(tiny_base, greedy=True, **FAST).synthesize([SynthesisRequest("Hello.", icl)])
    # (batch of one vs. two: same codes, float noise from padding in the codec)
    assert np.allclose(again[0].samples, clips[0].samples, atol=1e-3)


def test_invalid_model_folder(tmp_path: Path) -> None:
    from reader_app.tts.stock.engine import load_engine

    with pytest.raises(EngineError, match="is not a Qwen3-TTS checkpoint"):
        load_engine(tmp_path)
