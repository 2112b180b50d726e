"""int8 weights on the CPU (fbgemm): accuracy of one product, rows independent of their batch, the placement
rule, and a whole engine on them staying close to fp32 (teacher-forced, as `bench --fidelity` measures)."""

from __future__ import annotations

import pytest
import torch

from reader_app.tts.engine import SynthesisRequest, VoiceSpec
from reader_app.tts.fast.config import WeightFormat
from reader_app.tts.placement import fbgemm_int8_available, int8_reduce_range, resolve_placement
from tests.support.stock import load_wrapper

pytestmark = pytest.mark.skipif(not fbgemm_int8_available(), reason="torch has no fbgemm int8 kernels here")


def _linear(out_features: int = 96, in_features: int = 128, reduce_range: bool = False):
    from reader_app.tts.fast.linear import Int8Linear

    gen = torch.Generator().manual_seed(0)
    weight = torch.randn(out_features, in_features, generator=gen) * 0.05
    bias = torch.randn(out_features, generator=gen)
    return Int8Linear(weight, bias, reduce_range), weight, bias, gen


@pytest.mark.parametrize("reduce_range", [False, True])
def test_an_int8_product_is_within_a_few_percent_of_fp32(reduce_range):
    if not reduce_range and int8_reduce_range():
        pytest.skip("without VNNI, 8-bit activations saturate fbgemm's int16 sums: the engine uses 7 bits here")
    layer, weight, bias, gen = _linear(reduce_range=reduce_range)
    x = torch.randn(3, 5, 128, generator=gen)
    x[1] *= 1000.0  # rows of very different magnitude each keep their own 8 bits
    exact = x @ weight.t() + bias
    got = layer(x)
    assert got.shape == exact.shape == (3, 5, 96)
    rel = (got - exact).norm(dim=-1) / exact.norm(dim=-1)
    assert float(rel.max()) < (0.03 if reduce_range else 0.015)
    assert float(rel.max()) > 0  # it really is quantised


def test_a_row_gives_the_same_result_alone_and_in_any_batch():
    layer, _, _, gen = _linear()
    rows = torch.randn(6, 128, generator=gen)
    rows[2] *= 50.0
    batched = layer(rows)
    for i in range(6):
        assert torch.equal(layer(rows[i:i + 1])[0], batched[i])
    assert torch.equal(layer(rows[[4, 2]])[1], batched[2])


def test_only_decode_sized_inputs_keep_a_buffer():
    layer, _, _, gen = _linear()
    for rows in (1, 8, 300, 301):  # decode steps, then two prompts' prefill
        layer(torch.randn(rows, 128, generator=gen))
    assert sorted(layer._buffers) == [1, 8]


def test_a_zero_row_stays_zero():
    layer, _, bias, _ = _linear()
    out = layer(torch.zeros(2, 128))
    assert torch.allclose(out, bias.expand(2, -1))


def test_the_placement_runs_int8_in_fp32_on_the_cpu_and_refuses_unknown_formats():
    placement = resolve_placement("cpu", "auto", "int8")
    assert placement.weights == WeightFormat.INT8 and placement.dtype == torch.float32
    assert placement.label == "cpu/float32/int8"
    with pytest.raises(ValueError, match="int8"):
        resolve_placement("cpu", "auto", "int4")


def test_without_vnni_activations_keep_to_seven_bits(monkeypatch):
    from reader_app.tts import placement

    monkeypatch.setattr(placement, "_cpu_flags", lambda: frozenset({"avx2", "fma"}))
    assert placement.int8_reduce_range()
    monkeypatch.setattr(placement, "_cpu_flags", lambda: frozenset({"avx2", "avx512f", "avx512_vnni"}))
    assert not placement.int8_reduce_range()


def test_an_int8_engine_narrates_and_keys_its_clips_apart(tiny_custom_voice):
    from reader_app.tts.fast import FastEngine, FastSettings

    wrapper = load_wrapper(str(tiny_custom_voice))
    int8 = FastEngine.from_wrapper(wrapper, FastSettings(device="cpu", weights="int8", max_frames=12), "tiny")
    fp16 = FastEngine.from_wrapper(wrapper, FastSettings(device="cpu", max_frames=12), "tiny")
    assert int8.placement.label == "cpu/float32/int8"
    assert int8.settings["weights"] == "int8" != fp16.settings["weights"]  # different clips in the cache
    # the output heads stay in fp16: only the layers are int8
    assert type(int8.parts.codec_head).__name__ == "PackedFp16Linear"
    assert type(int8.parts.talker.layers[0].qkv).__name__ == "Int8Linear"
    request = SynthesisRequest("It was the best of times.", VoiceSpec(kind="preset", speaker="ryan"), "english")
    clip = int8.synthesize([request])[0]
    assert clip.duration_s > 0 and clip.samples.dtype.name == "float32"


def test_int8_stays_close_to_fp32_teacher_forced(tiny_custom_voice):
    from reader_app.devtools.bench.fidelity import Q8_0, fidelity_table

    wrapper = load_wrapper(str(tiny_custom_voice))  # fp32
    requests = [SynthesisRequest("The house stood at the end of the road.", VoiceSpec(kind="preset",
                                                                                        speaker="ryan"), "english")]
    table = fidelity_table(wrapper, requests, 24, [WeightFormat.DENSE, WeightFormat.FP16_PACKED,
                                                   WeightFormat.INT8, Q8_0])
    assert table["dense"]["talker_logit_rel_err_p99"] == 0.0  # fp32 forced onto its own history: identical
    assert table["dense"]["predictor_top1_agreement"] == 1.0
    int8, fp16 = table["int8"], table["fp16_packed"]
    assert 0 < fp16["predictor_logit_rel_err_p50"] < int8["predictor_logit_rel_err_p50"] < 0.05
    assert int8["talker_top1_agreement"] >= 0.9 and int8["predictor_top1_agreement"] >= 0.9
    assert 0 < table[Q8_0]["predictor_logit_rel_err_p50"] < 0.05
