"""The qwentts.cpp peer (issue 16): our HF -> GGUF converter and the peer runner.

Most tests need neither `gguf` nor the peer: the tensor-name mapping is checked against the names the peer's
loaders read (src/talker-weights.h, code-predictor-weights.h, speaker-encoder-weights.h, quantizer-decode.h,
tokenizer-transformer.h, convnext-block.h, dac-decoder-v2.h, seanet-encoder.h, quantizer-encode.h), the Q8_0
quantiser against its error bound. With `gguf` installed the written files are read back; with the peer installed
too it runs end to end, and greedy codes from an F32 conversion must equal stock qwen-tts's.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from reader_app.devtools.peer import gguf_convert as gc
from reader_app.devtools.peer.gguf_convert import PeerConversionError, PeerWeights

TEXT = "Hello world! How are you today?"


def _config(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text())


def _loader_talker_names(cfg: dict, with_speaker_encoder: bool) -> set[str]:
    """Every tensor name the peer's talker-file loaders ask for, for this config."""
    t, p = cfg["talker_config"], cfg["talker_config"]["code_predictor_config"]
    layer = ["attn_norm", "ffn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "attn_q_norm", "attn_k_norm",
             "ffn_gate", "ffn_up", "ffn_down"]
    names = {f"talker.{n}.weight" for n in ("codec_embd", "text_embd", "codec_head", "output_norm")}
    names |= {f"talker.text_proj.fc{i}.{s}" for i in (1, 2) for s in ("weight", "bias")}
    names |= {f"talker.blk.{i}.{n}.weight" for i in range(t["num_hidden_layers"]) for n in layer}
    names |= {f"code_pred.blk.{i}.{n}.weight" for i in range(p["num_hidden_layers"]) for n in layer}
    names |= {"code_pred.output_norm.weight"}
    names |= {f"code_pred.{n}.{g}.weight" for n in ("codec_embd", "lm_head") for g in range(t["num_code_groups"] - 1)}
    if t["hidden_size"] != p["hidden_size"]:  # small_to_mtp_projection; nn.Identity (no tensor) otherwise
        names |= {"code_pred.mtp_proj.weight", "code_pred.mtp_proj.bias"}
    if with_speaker_encoder:
        scale = cfg["speaker_encoder_config"].get("enc_res2net_scale", 8)
        tdnn = ["spk_enc.conv0", "spk_enc.mfa", "spk_enc.asp.tdnn", "spk_enc.asp.conv", "spk_enc.fc"]
        for b in (1, 2, 3):
            tdnn += [f"spk_enc.blk.{b}.tdnn1", f"spk_enc.blk.{b}.tdnn2", f"spk_enc.blk.{b}.se.conv1",
                     f"spk_enc.blk.{b}.se.conv2", *(f"spk_enc.blk.{b}.res2net.{j}" for j in range(scale - 1))]
        names |= {f"{n}.{s}" for n in tdnn for s in ("weight", "bias")}
    return names


def _loader_codec_names(cfg: dict) -> set[str]:
    dec, enc = cfg["decoder_config"], cfg["encoder_config"]
    wb = ("weight", "bias")
    names = {"tok_dec.vq_first.0.codebook", "tok_dec.vq_first.output_proj.weight",
             "tok_dec.vq_rest.output_proj.weight", "tok_dec.pre_tfm.norm.weight"}
    names |= {f"tok_dec.vq_rest.{k}.codebook" for k in range(dec["num_quantizers"] - 1)}
    names |= {f"tok_dec.pre_conv.{s}" for s in wb} | {f"tok_dec.pre_tfm.{p}.{s}" for p in ("input_proj",
                                                                                          "output_proj") for s in wb}
    for i in range(dec["num_hidden_layers"]):
        names |= {f"tok_dec.pre_tfm.blk.{i}.{n}" for n in (
            "attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
            "attn_scale", "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight", "ffn_scale")}
    for i in range(len(dec["upsampling_ratios"])):
        names |= {f"tok_dec.upsample.{i}.{p}.{s}" for p in ("conv", "dwconv", "norm", "pwconv1", "pwconv2")
                  for s in wb} | {f"tok_dec.upsample.{i}.gamma"}
    names |= {f"tok_dec.dec.{i}.conv.{s}" for i in (0, 6) for s in wb}
    names |= {f"tok_dec.dec.5.snake.{s}" for s in ("alpha", "beta")}
    for b in (1, 2, 3, 4):
        names |= {f"tok_dec.dec.{b}.snake.{s}" for s in ("alpha", "beta")} | {f"tok_dec.dec.{b}.conv_t.{s}"
                                                                               for s in wb}
        for r in range(3):
            names |= {f"tok_dec.dec.{b}.res.{r}.{a}.{s}" for a in ("act1", "act2") for s in ("alpha", "beta")}
            names |= {f"tok_dec.dec.{b}.res.{r}.{c}.{s}" for c in ("conv1", "conv2") for s in wb}
    kept = cfg["encoder_valid_num_quantizers"] - enc["num_semantic_quantizers"]
    names |= {"tok_enc.vq_semantic.0.codebook", "tok_enc.conv.0.weight", "tok_enc.downsample.weight"}
    names |= {f"tok_enc.vq_acoustic.{k}.codebook" for k in range(kept)}
    names |= {f"tok_enc.vq_{side}.{p}.weight" for side in ("semantic", "acoustic") for p in ("input_proj",
                                                                                              "output_proj")}
    return names


@pytest.mark.parametrize("kind", ["custom_voice", "base"])
def test_talker_names_cover_every_tensor_and_what_the_loader_reads(kind, tiny_custom_voice, tiny_base):
    folder = tiny_custom_voice if kind == "custom_voice" else tiny_base
    st = gc.SafeTensors(folder / "model.safetensors")
    mapped = {hf: gc.talker_tensor_name(hf) for hf in st.names()}  # raises on any unmapped tensor
    assert len(set(mapped.values())) == len(mapped), "two HF tensors map to one GGUF name"
    needed = _loader_talker_names(_config(folder), with_speaker_encoder=kind == "base")
    assert needed <= set(mapped.values()), sorted(needed - set(mapped.values()))
    assert set(mapped.values()) == needed, sorted(set(mapped.values()) - needed)  # nothing written for no one
    with pytest.raises(PeerConversionError, match="talker.model.layers.0.mlp.extra"):
        gc.talker_tensor_name("talker.model.layers.0.mlp.extra.weight")


def test_codec_plan_covers_every_tensor_and_fuses_codebooks(tiny_custom_voice):
    folder = tiny_custom_voice / "speech_tokenizer"
    st = gc.SafeTensors(folder / "model.safetensors")
    plan = gc.codec_plan(st.names())
    used = {src for sources in plan.tensors.values() for src in sources}
    assert used | set(plan.skipped) == set(st.names()) and not used & set(plan.skipped)
    assert _loader_codec_names(_config(folder)) <= set(plan.tensors), sorted(
        _loader_codec_names(_config(folder)) - set(plan.tensors))
    # The residual units of DAC block 1 sit at HF indices 2..4, the loader counts them 0..2.
    assert plan.tensors["tok_dec.dec.1.res.0.conv1.weight"] == ("decoder.decoder.1.block.2.conv1.conv.weight",)
    assert plan.tensors["tok_dec.vq_rest.3.codebook"] == (
        "decoder.quantizer.rvq_rest.vq.layers.3._codebook.embedding_sum",
        "decoder.quantizer.rvq_rest.vq.layers.3._codebook.cluster_usage")
    assert sorted(set(plan.skipped.values())) == [
        "codebook bookkeeping flag, unused at run time",
        "decoder-side copy of the encoder's input_proj, unused by decoding"]
    # The published encoder carries 31 acoustic codebooks; only the first 15 are ever used.
    extra = "encoder.quantizer.acoustic_residual_vector_quantizer.layers.20.codebook.embed_sum"
    assert extra in gc.codec_plan([extra], encoder_acoustic_kept=15).skipped
    with pytest.raises(PeerConversionError, match="decoder.mystery"):
        gc.codec_plan(["decoder.mystery.weight"])


def test_q8_0_round_trip_is_within_half_a_step_per_block():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 96)) * rng.uniform(0.001, 8, (64, 1))).astype(np.float32)
    x[1] = 0.0  # an all-zero block must not divide by zero
    x[2, :32] = 0.37  # a constant block is exact: every value is max|x|
    q = gc.quantize_q8_0(x)
    assert q.dtype == np.uint8 and q.shape == (64, 96 // 32 * 34)
    back = gc.dequantize_q8_0(q)
    assert back.shape == x.shape and np.all(back[1] == 0)
    blocks, err = x.reshape(-1, 32), np.abs(back - x).reshape(-1, 32)
    amax = np.abs(blocks).max(axis=1)
    d = amax / np.float32(127)
    d16 = d.astype(np.float16).astype(np.float32)
    # Rounding to the nearest step is max|x|/254; ggml stores the step as fp16, which moves a value q steps out
    # by q*|d - fp16(d)| (q <= 127): the exact bound of the reference quantiser (also ggml's).
    bound = amax / 254 + 127 * np.abs(d - d16) + 1e-7
    assert np.all(err.max(axis=1) <= bound)
    assert np.all(err.max(axis=1) <= amax / 254 * (1 + 254 * 2.0**-11) + 1e-7)  # fp16's relative step: 2**-11
    np.testing.assert_allclose(np.abs(back[2, :32]), 0.37, rtol=1e-3)
    assert np.all(q.reshape(-1, 34)[:, :2].copy().view(np.float16).ravel() == d.astype(np.float16))
    with pytest.raises(PeerConversionError, match="divisible by 32"):
        gc.quantize_q8_0(np.ones((2, 48), np.float32))


def test_q8_0_is_bit_exact_with_gguf_reference():
    gguf = pytest.importorskip("gguf")
    x = np.random.default_rng(1).standard_normal((50, 128)).astype(np.float32) * 3
    assert np.array_equal(gc.quantize_q8_0(x), gguf.quants.quantize(x, gguf.GGMLQuantizationType.Q8_0))


def test_storage_types_follow_the_peers_quantize_policy():
    q8, f16, f32 = PeerWeights.Q8_0, PeerWeights.F16, PeerWeights.F32
    assert gc.storage_type("talker.blk.0.attn_q.weight", (1024, 1024), q8) == "Q8_0"
    assert gc.storage_type("talker.blk.0.attn_norm.weight", (1024,), q8) == "F32"  # 1-D stays F32
    assert gc.storage_type("spk_enc.blk.1.tdnn1.weight", (512, 512, 5), q8) == "F16"  # ne[0] = 5: no block
    assert gc.storage_type("spk_enc.fc.weight", (1024, 3072, 1), q8) == "F32"
    assert gc.storage_type("talker.blk.0.attn_q.weight", (1024, 1024), f16) == "F16"
    assert gc.storage_type("talker.blk.0.attn_q.weight", (1024, 1024), f32) == "F32"


def test_safetensors_reader_widens_bf16_f16_f32(tmp_path):
    values = np.array([[1.5, -2.25], [0.0, 3.0e-3]], np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype(np.uint16)  # exact: these values have short mantissas
    blobs = {"a": ("F32", values.tobytes()), "b": ("F16", values.astype(np.float16).tobytes()),
             "c": ("BF16", bf16.tobytes())}
    header, data = {}, b""
    for name, (dtype, blob) in blobs.items():
        header[name] = {"dtype": dtype, "shape": [2, 2], "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    raw = json.dumps(header).encode()
    (tmp_path / "x.safetensors").write_bytes(len(raw).to_bytes(8, "little") + raw + data)
    st = gc.SafeTensors(tmp_path / "x.safetensors")
    assert st.shape("c") == (2, 2)
    np.testing.assert_array_equal(st.get("a"), values)
    np.testing.assert_allclose(st.get("b"), values, rtol=1e-3)
    np.testing.assert_allclose(st.get("c"), values, rtol=1e-2)


def test_metadata_has_the_keys_and_types_the_loaders_read(tiny_custom_voice):
    kv = gc.talker_metadata(tiny_custom_voice, has_speaker_encoder=False)
    assert kv["qwen3-tts.talker.rope.mrope_interleaved"] == ("bool", True)  # convert.py misspells this key
    assert kv["qwen3-tts.talker.rope.mrope_section"] == ("u32[]", [2, 3, 3])
    assert kv["qwen3-tts.model_type"] == ("str", "custom_voice")
    names = dict(zip(kv["qwen3-tts.codec.speaker_names"][1], kv["qwen3-tts.codec.speaker_dialects"][1],
                     strict=True))
    assert names["dylan"] == "beijing_dialect" and names["ryan"] == ""
    tokens = kv["tokenizer.ggml.tokens"][1]
    assert tokens[_config(tiny_custom_voice)["im_start_token_id"]] == "<|im_start|>"
    assert all(kind == "u32" for key, (kind, _v) in kv.items() if key.endswith(("_id", "_count", "_length")))
    codec = gc.codec_metadata(tiny_custom_voice / "speech_tokenizer", codebook_dim_internal=16)
    assert codec["qwen3-tts-tokenizer.decoder.codebook_dim_internal"] == ("u32", 16)
    assert codec["qwen3-tts-tokenizer.decoder.upsample_rates"] == ("u32[]", [8, 5, 4, 3])


def test_tiny_codec_is_refused_and_a_missing_gguf_is_explained(tiny_custom_voice, tmp_path, monkeypatch):
    with pytest.raises(PeerConversionError, match="decoder_dim is 32, the peer's codec needs 1536"):
        gc.convert_checkpoint(tiny_custom_voice, tmp_path)
    with pytest.raises(PeerConversionError, match="weights must be one of"):
        gc.convert_checkpoint(tiny_custom_voice, tmp_path, weights="q4")
    monkeypatch.setitem(sys.modules, "gguf", None)  # import gguf now raises ImportError
    with pytest.raises(PeerConversionError, match="pip install gguf"):
        gc.convert_checkpoint(tiny_custom_voice, tmp_path, strict_codec=False)


def test_peer_available_names_a_reason(monkeypatch):
    from reader_app.devtools.peer import qwentts_cpp

    monkeypatch.setitem(sys.modules, "qwentts_cpp_cpu", None)
    reason = qwentts_cpp.peer_available()
    assert reason and ("pip install realtimetts-qwen-native-cpu" in reason or "Linux x86_64" in reason)


def test_written_files_read_back_and_are_cached(tiny_custom_voice, tmp_path):
    gguf = pytest.importorskip("gguf")
    files = gc.convert_checkpoint(tiny_custom_voice, tmp_path, "q8_0", strict_codec=False)
    reader = gguf.GGUFReader(files.talker)
    tensors = {t.name: t for t in reader.tensors}
    st = gc.SafeTensors(tiny_custom_voice / "model.safetensors")
    assert set(tensors) == {gc.talker_tensor_name(n) for n in st.names()}
    q = tensors["talker.blk.0.attn_q.weight"]
    assert q.tensor_type == gguf.GGMLQuantizationType.Q8_0
    assert tensors["talker.blk.0.attn_norm.weight"].tensor_type == gguf.GGMLQuantizationType.F32
    source = st.get("talker.model.layers.0.self_attn.q_proj.weight")
    back = gguf.quants.dequantize(np.asarray(q.data), gguf.GGMLQuantizationType.Q8_0).reshape(source.shape)
    assert np.abs(back - source).max() <= np.abs(source).max() / 200
    field = reader.fields["qwen3-tts.talker.rope.mrope_interleaved"]
    assert bool(field.parts[field.data[0]][0]) is True
    codec = {t.name: t for t in gguf.GGUFReader(files.codec).tensors}
    cst = gc.SafeTensors(tiny_custom_voice / "speech_tokenizer" / "model.safetensors")
    book = cst.get("decoder.quantizer.rvq_first.vq.layers.0._codebook.embedding_sum") / np.clip(
        cst.get("decoder.quantizer.rvq_first.vq.layers.0._codebook.cluster_usage"), 1e-5, None)[:, None]
    np.testing.assert_allclose(np.asarray(codec["tok_dec.vq_first.0.codebook"].data).reshape(book.shape), book)

    before = (files.talker.stat().st_mtime_ns, files.codec.stat().st_mtime_ns)
    again = gc.convert_checkpoint(tiny_custom_voice, tmp_path, "q8_0", strict_codec=False)
    assert again == files and (files.talker.stat().st_mtime_ns, files.codec.stat().st_mtime_ns) == before
    other = gc.convert_checkpoint(tiny_custom_voice, tmp_path, "f16", strict_codec=False)
    assert other.talker != files.talker and other.codec == files.codec
    assert files.codec.stat().st_mtime_ns == before[1]  # the codec does not depend on the weight format
    marker = files.talker.with_name(files.talker.name + ".json")
    marker.write_text(json.dumps(dict(json.loads(marker.read_text()), fingerprint="stale")))
    gc.convert_checkpoint(tiny_custom_voice, tmp_path, "q8_0", strict_codec=False)
    assert files.talker.stat().st_mtime_ns != before[0]


# --- end to end with the peer --------------------------------------------------------------------------------

def _peer_missing() -> str | None:
    from reader_app.devtools.peer.qwentts_cpp import peer_available

    try:
        import gguf  # noqa: F401
    except ImportError:
        return "gguf is not installed (pip install gguf)"
    return peer_available()


PEER_MISSING = _peer_missing()  # decided at collection, so the ~300 MB codec below is only built when it runs


@pytest.fixture(scope="session")
def peer_checkpoint(tiny_custom_voice, tmp_path_factory) -> Path:
    """The tiny talker with a codec the peer can decode: its codec widths are compiled in (1536-channel DAC,
    1024 latent, 512 quantizer out), so only the decoder transformer stays tiny (~80 M parameters)."""
    from reader_app.devtools import checkpoint as ck
    from reader_app.devtools import checkpoint_spec as spec
    from reader_app.tts.qwen_import import import_qwen_tts

    import_qwen_tts()
    import torch

    folder = tmp_path_factory.mktemp("peer") / "ckpt"
    shutil.copytree(tiny_custom_voice, folder, ignore=shutil.ignore_patterns("speech_tokenizer"))
    tiny = spec.SHAPES["tiny"]
    shape = dict(encoder=tiny["encoder"], decoder=dict(tiny["decoder"], latent_dim=1024, codebook_dim=512,
                                                       decoder_dim=1536))
    torch.manual_seed(1)
    ck._save_speech_tokenizer(shape, folder / "speech_tokenizer", torch.float32)
    return folder


@pytest.mark.slow
@pytest.mark.skipif(PEER_MISSING is not None, reason=str(PEER_MISSING))
def test_peer_runs_end_to_end_and_greedy_codes_match_stock(peer_checkpoint, tmp_path):
    from reader_app.devtools.peer.qwentts_cpp import run_peer
    from tests.support.stock import load_wrapper, stock_codes

    files = gc.convert_checkpoint(peer_checkpoint, tmp_path / "q8", "q8_0")
    result = run_peer(files, TEXT, "ryan", frames=4, threads=1, warmup_frames=2, timeout_s=240)
    assert result["peer_frames"] == 4 and result["peer_threads"] == 1 and result["peer_weights"] == "q8_0"
    for key in ("peer_ms_per_frame", "peer_codes_ms_per_frame", "peer_codec_ms_per_frame", "peer_first_audio_ms"):
        assert result[key] > 0, key
    assert result["peer_first_audio_ms"] <= 1000 * result["peer_wall_s"]
    codes = np.array(result["peer_codes"])
    assert codes.shape == (4, 16) and codes.min() >= 0 and codes.max() < 2048

    # Fidelity of the layout: the F32 conversion decodes greedily to exactly stock qwen-tts's codes.
    exact = gc.convert_checkpoint(peer_checkpoint, tmp_path / "f32", "f32")
    peer = run_peer(exact, TEXT, "ryan", frames=8, threads=1, warmup_frames=1, greedy=True, timeout_s=240)
    stock = stock_codes(load_wrapper(str(peer_checkpoint)), "generate_custom_voice", [TEXT], 8, speaker="ryan",
                        language="english", repetition_penalty=1.0)[0]
    np.testing.assert_array_equal(np.array(peer["peer_codes"]), stock)


@pytest.mark.skipif(PEER_MISSING is not None, reason=str(PEER_MISSING))
def test_a_native_abort_in_the_peer_is_an_error_not_a_crash(tiny_custom_voice, tmp_path):
    """The tiny codec is narrower than the peer's compiled-in widths: its decode hits a GGML_ASSERT (abort)."""
    from reader_app.devtools.peer.qwentts_cpp import PeerRunError, run_peer

    files = gc.convert_checkpoint(tiny_custom_voice, tmp_path, strict_codec=False)
    with pytest.raises(PeerRunError, match="GGML_ASSERT"):
        run_peer(files, TEXT, "ryan", frames=2, threads=1, warmup_frames=1, timeout_s=120)
