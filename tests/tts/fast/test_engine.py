"""FastEngine as the app sees it: SpeechEngine protocol, errors, seeds, placements."""

from __future__ import annotations

import numpy as np
import pytest

from reader_app.tts.engine import EngineError, SynthesisRequest, VoiceSpec
from tests.support.stock import load_wrapper


def _engine(path, **kw):
    from reader_app.tts.fast import FastEngine, FastSettings

    return FastEngine.from_wrapper(load_wrapper(str(path)), FastSettings(device="cpu", **kw), model_id="tiny")


def test_synthesize_returns_clips_and_reports_each(tiny_custom_voice):
    engine = _engine(tiny_custom_voice, max_batch=2, max_frames=30)
    requests = [SynthesisRequest("Hello there.", VoiceSpec(kind="preset", speaker="ryan"), "english"),
                SynthesisRequest("The train was late again.", VoiceSpec(kind="preset", speaker="serena"), "english"),
                SynthesisRequest("你好，世界。", VoiceSpec(kind="preset", speaker="eric"), "chinese")]
    seen = []
    clips = engine.synthesize(requests, on_clip=lambda i, clip: seen.append(i))
    assert sorted(seen) == [0, 1, 2] and len(clips) == 3
    for clip in clips:
        assert clip.sample_rate == engine.sample_rate == 24000
        assert clip.samples.dtype == np.float32 and 0 < clip.duration_s <= 30 * 0.08 + 1e-9
        assert np.all(np.isfinite(clip.samples)) and np.max(np.abs(clip.samples)) <= 1.0
    assert engine.model_id == "tiny"
    assert engine.settings["engine"] == "fast" and engine.settings["seed"] == 0
    # Everything that changes the audio is in the settings (they feed cache keys); placement-only knobs are not.
    assert {"max_frames_per_char", "margin_frames", "first_chunk_frames"} <= set(engine.settings)
    assert not {"threads", "max_batch", "device"} & set(engine.settings)


def test_seeded_sampling_is_reproducible(tiny_custom_voice):
    request = [SynthesisRequest("It was the best of times.", VoiceSpec(kind="preset", speaker="ryan"), "english")]
    a = _engine(tiny_custom_voice, seed=1).generate_codes(request, max_frames=12)[0]
    b = _engine(tiny_custom_voice, seed=1).generate_codes(request, max_frames=12)[0]
    c = _engine(tiny_custom_voice, seed=2).generate_codes(request, max_frames=12)[0]
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() < 2048


def test_voice_kind_must_match_model(tiny_custom_voice):
    engine = _engine(tiny_custom_voice)
    with pytest.raises(EngineError):
        engine.synthesize([SynthesisRequest("Hi.", VoiceSpec(kind="design", description="calm"))])
    with pytest.raises(EngineError):
        engine.synthesize([SynthesisRequest("Hi.", VoiceSpec(kind="preset", speaker="nobody"))])


def test_packed_fp16_weights_track_dense_logits(tiny_custom_voice):
    """CPU default (fp16-packed weights, fp32 math) stays close to dense fp32 on the same inputs."""
    import torch

    from reader_app.tts.placement import fbgemm_fp16_available

    if not fbgemm_fp16_available():
        pytest.skip("no fbgemm on this CPU")
    dense = _engine(tiny_custom_voice, dtype="float32", weights="dense")
    packed = _engine(tiny_custom_voice, weights="fp16_packed")
    assert packed.placement.weights == "fp16_packed"
    x = torch.randn(3, 1, dense.parts.hidden)
    a = dense.parts.codec_head(dense.parts.talker.layers[0].qkv(x)[..., :dense.parts.hidden])
    b = packed.parts.codec_head(packed.parts.talker.layers[0].qkv(x)[..., :packed.parts.hidden])
    assert torch.allclose(a, b, atol=5e-3, rtol=5e-3)
    codes = packed.generate_codes([SynthesisRequest("Hello.", VoiceSpec(kind="preset"))], max_frames=6)[0]
    assert codes.shape == (6, 16)


@pytest.mark.parametrize("native_bf16", [False, True])
def test_auto_packs_cpu_weights_as_fp16_with_or_without_bf16_math(monkeypatch, native_bf16):
    """fp16-packed beat bf16 dense on both bf16 CPUs measured (AVX512-BF16 and AMX), so auto packs on every
    CPU fbgemm serves; only an explicit dtype asks for dense weights in it."""
    import torch

    from reader_app.tts import placement

    if not placement.fbgemm_fp16_available():
        pytest.skip("no fbgemm on this CPU")
    monkeypatch.setattr(placement, "cpu_has_native_bf16", lambda: native_bf16)
    auto = placement.resolve_placement("cpu", "auto", "auto")
    assert (auto.weights, auto.dtype) == ("fp16_packed", torch.float32)  # fbgemm computes in fp32
    assert placement.model_load_dtype(auto) == torch.bfloat16  # prompts and codec: bf16, the codec per CPU
    explicit = placement.resolve_placement("cpu", "bfloat16", "auto")
    assert (explicit.weights, explicit.dtype) == ("dense", torch.bfloat16)


def test_budget_stops_runaway(tiny_custom_voice):
    engine = _engine(tiny_custom_voice, max_frames=9, trim_silence=False)
    events = list(engine.synthesize_stream([SynthesisRequest("A long sentence " * 10, VoiceSpec(kind="preset"))]))
    assert events[-1].stop_reason == "budget"
    assert sum(len(e.chunk.samples) for e in events) == 9 * 1920


def test_load_from_folder_and_lazy_package(tiny_custom_voice):
    import importlib
    import sys

    import reader_app.tts.fast as fast

    importlib.reload(fast)
    assert "FastEngine" in fast.__all__
    from reader_app.models.catalog import inspect_model
    from reader_app.tts.fast import load_fast_engine

    engine = load_fast_engine(tiny_custom_voice, device="cpu", threads=1, max_frames=6)
    assert engine.model_id == inspect_model(tiny_custom_voice).model_id
    clip = engine.synthesize([SynthesisRequest("Hello.", VoiceSpec(kind="preset", speaker="aiden"))])[0]
    assert clip.duration_s <= 6 * 0.08 + 1e-9
    assert "reader_app.tts.fast.engine" in sys.modules
