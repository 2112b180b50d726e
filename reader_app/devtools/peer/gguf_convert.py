"""Convert one of our HF-format Qwen3-TTS checkpoints into the two GGUF files qwentts.cpp loads.

Layout learnt from qwentts.cpp (github.com/ServeurpersoCom/qwentts.cpp, the upstream of the fork bundled in
`realtimetts-qwen-native-cpu` 0.4.2): the loaders in src/talker-weights.h, code-predictor-weights.h,
speaker-encoder-weights.h, pipeline-tts.cpp, bpe.h (talker file) and quantizer-decode.h, tokenizer-transformer.h,
convnext-block.h, dac-decoder-v2.h, pipeline-codec.cpp, seanet-encoder.h and friends (codec file); the tensor names
and metadata keys follow its convert.py, the weight types its tools/quantize.cpp. One deliberate difference:
convert.py writes `qwen3-tts.talker.mrope_interleaved` but the loader reads `...talker.rope.mrope_interleaved`,
so we write the key the loader reads. Command line: `python -m reader_app.devtools.peer.qwentts_cpp --convert-only`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

CONVERTER_VERSION = 1
Q8_BLOCK = 32  # values per Q8_0 block; a block is an fp16 scale then 32 int8 values (34 bytes)
RVQ_EPS = 1e-5  # EuclideanCodebook.epsilon: codebook = embedding_sum / clamp(cluster_usage, eps)

# The peer's codec graph has fixed widths (dac-decoder-v2.h channels 1536/768/384/192/96, the streaming state of
# pipeline-codec.cpp 512 and 1024 wide, strides 8/5/4/3): only the published codec shape decodes there.
PEER_CODEC_SHAPE = {"decoder_dim": 1536, "latent_dim": 1024, "codebook_dim": 512,
                    "upsample_rates": [8, 5, 4, 3], "upsampling_ratios": [2, 2], "num_quantizers": 16}


class PeerWeights(StrEnum):
    """Storage of the talker + code predictor matrices (1-D tensors always stay F32, the codec is F32)."""

    Q8_0 = "q8_0"
    F16 = "f16"
    F32 = "f32"


class PeerConversionError(ValueError):
    """The checkpoint cannot be converted (missing `gguf`, unknown tensors, a shape the peer cannot run)."""


@dataclass(frozen=True)
class PeerModelFiles:
    """What the peer loads: `QwenTTS(talker, codec)`."""

    talker: Path
    codec: Path
    weights: PeerWeights
    kind: str  # custom_voice | voice_design | base
    speakers: tuple[str, ...]
    fingerprint: str

    def to_json(self) -> dict[str, Any]:
        return dict(asdict(self), talker=str(self.talker), codec=str(self.codec), speakers=list(self.speakers))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PeerModelFiles:
        return cls(Path(data["talker"]), Path(data["codec"]), PeerWeights(data["weights"]), data["kind"],
                   tuple(data["speakers"]), data["fingerprint"])


# --- tensor names (convert.py's tables; the loaders read exactly these) ---------------------------------------

_LM_SUFFIX = {
    "input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight", "self_attn.o_proj.weight": "attn_output.weight",
    "self_attn.q_norm.weight": "attn_q_norm.weight", "self_attn.k_norm.weight": "attn_k_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
_TALKER_FIXED = {
    "talker.model.codec_embedding.weight": "talker.codec_embd.weight",
    "talker.model.text_embedding.weight": "talker.text_embd.weight",
    "talker.model.norm.weight": "talker.output_norm.weight",
    "talker.codec_head.weight": "talker.codec_head.weight",
    "talker.code_predictor.model.norm.weight": "code_pred.output_norm.weight",
}
_TALKER_PATTERNS = [
    (r"talker\.text_projection\.linear_fc([12])\.(weight|bias)", "talker.text_proj.fc{0}.{1}"),
    (r"talker\.code_predictor\.small_to_mtp_projection\.(weight|bias)", "code_pred.mtp_proj.{0}"),
    (r"talker\.code_predictor\.model\.codec_embedding\.(\d+)\.weight", "code_pred.codec_embd.{0}.weight"),
    (r"talker\.code_predictor\.lm_head\.(\d+)\.weight", "code_pred.lm_head.{0}.weight"),
    (r"speaker_encoder\.blocks\.0\.conv\.(weight|bias)", "spk_enc.conv0.{0}"),
    (r"speaker_encoder\.(asp\.tdnn|mfa)\.conv\.(weight|bias)", "spk_enc.{0}.{1}"),
    (r"speaker_encoder\.(asp\.conv|fc)\.(weight|bias)", "spk_enc.{0}.{1}"),
    (r"speaker_encoder\.blocks\.(\d+)\.res2net_block\.blocks\.(\d+)\.conv\.(weight|bias)",
     "spk_enc.blk.{0}.res2net.{1}.{2}"),
    (r"speaker_encoder\.blocks\.(\d+)\.se_block\.(conv[12])\.(weight|bias)", "spk_enc.blk.{0}.se.{1}.{2}"),
    (r"speaker_encoder\.blocks\.(\d+)\.(tdnn[12])\.conv\.(weight|bias)", "spk_enc.blk.{0}.{1}.{2}"),
]
_CODEC_PATTERNS = [
    (r"decoder\.pre_conv\.conv\.(weight|bias)", "tok_dec.pre_conv.{0}"),
    (r"decoder\.pre_transformer\.(input_proj|output_proj)\.(weight|bias)", "tok_dec.pre_tfm.{0}.{1}"),
    (r"decoder\.pre_transformer\.norm\.weight", "tok_dec.pre_tfm.norm.weight"),
    (r"decoder\.pre_transformer\.layers\.(\d+)\.(.+)", "tok_dec.pre_tfm.blk.{0}.{1}"),
    (r"decoder\.upsample\.(\d+)\.0\.conv\.(weight|bias)", "tok_dec.upsample.{0}.conv.{1}"),
    (r"decoder\.upsample\.(\d+)\.1\.dwconv\.conv\.(weight|bias)", "tok_dec.upsample.{0}.dwconv.{1}"),
    (r"decoder\.upsample\.(\d+)\.1\.(norm|pwconv1|pwconv2)\.(weight|bias)", "tok_dec.upsample.{0}.{1}.{2}"),
    (r"decoder\.upsample\.(\d+)\.1\.gamma", "tok_dec.upsample.{0}.gamma"),
    (r"decoder\.decoder\.([06])\.conv\.(weight|bias)", "tok_dec.dec.{0}.conv.{1}"),
    (r"decoder\.decoder\.5\.(alpha|beta)", "tok_dec.dec.5.snake.{0}"),
    (r"decoder\.decoder\.([1-4])\.block\.0\.(alpha|beta)", "tok_dec.dec.{0}.snake.{1}"),
    (r"decoder\.decoder\.([1-4])\.block\.1\.conv\.(weight|bias)", "tok_dec.dec.{0}.conv_t.{1}"),
    (r"decoder\.quantizer\.rvq_(first|rest)\.output_proj\.weight", "tok_dec.vq_{0}.output_proj.weight"),
    (r"encoder\.encoder\.layers\.(\d+)\.conv\.(weight|bias)", "tok_enc.conv.{0}.{1}"),
    (r"encoder\.encoder\.layers\.(\d+)\.block\.(\d+)\.conv\.(weight|bias)", "tok_enc.res.{0}.blk.{1}.{2}"),
    (r"encoder\.encoder_transformer\.layers\.(\d+)\.(.+)", "tok_enc.blk.{0}.{1}"),
    (r"encoder\.downsample\.conv\.(weight|bias)", "tok_enc.downsample.{0}"),
    (r"encoder\.quantizer\.(semantic|acoustic)_residual_vector_quantizer\.(input_proj|output_proj)\.weight",
     "tok_enc.vq_{0}.{1}.weight"),
]
# Per-layer suffixes of the two codec transformers (decoder pre_transformer, Mimi encoder transformer).
_CODEC_LAYER_SUFFIX = {k: v for k, v in _LM_SUFFIX.items() if "_norm." not in k} | {
    "input_layernorm.bias": "attn_norm.bias", "post_attention_layernorm.bias": "ffn_norm.bias",
    "self_attn_layer_scale.scale": "attn_scale", "mlp_layer_scale.scale": "ffn_scale",
    "mlp.fc1.weight": "ffn_up.weight", "mlp.fc2.weight": "ffn_down.weight"}
# DAC residual units sit at block indices 2..4 of each upsampling block; the loader counts them 0..2.
_DAC_RES = re.compile(r"decoder\.decoder\.([1-4])\.block\.([2-4])\."
                      r"(act[12]\.(?:alpha|beta)|conv[12]\.conv\.(?:weight|bias))")
_DEC_CODEBOOK = re.compile(r"decoder\.quantizer\.rvq_(first|rest)\.vq\.layers\.(\d+)\._codebook\.(\w+)")
_ENC_CODEBOOK = re.compile(r"encoder\.quantizer\.(semantic|acoustic)_residual_vector_quantizer\.layers\.(\d+)"
                           r"\.codebook\.(\w+)")


def _match(hf: str, patterns: list[tuple[str, str]]) -> str | None:
    for pattern, template in patterns:
        m = re.fullmatch(pattern, hf)
        if m:
            return template.format(*m.groups())
    return None


def talker_tensor_name(hf: str) -> str:
    """GGUF name of one tensor of the main model.safetensors (talker, code predictor, speaker encoder)."""
    for prefix, out in (("talker.model.layers.", "talker.blk"), ("talker.code_predictor.model.layers.",
                                                                   "code_pred.blk")):
        if hf.startswith(prefix):
            index, _, suffix = hf[len(prefix):].partition(".")
            if index.isdigit() and suffix in _LM_SUFFIX:
                return f"{out}.{index}.{_LM_SUFFIX[suffix]}"
    name = _TALKER_FIXED.get(hf) or _match(hf, _TALKER_PATTERNS)
    if name is None:
        raise PeerConversionError(f"no qwentts.cpp name for talker tensor {hf!r}")
    return name


@dataclass(frozen=True)
class CodecPlan:
    """Codec tensors: GGUF name -> HF sources (one tensor, or embedding_sum + cluster_usage fused), plus skips."""

    tensors: dict[str, tuple[str, ...]]
    skipped: dict[str, str]  # HF name -> why it is not written


def codec_plan(names: Iterable[str], encoder_acoustic_kept: int = 15) -> CodecPlan:
    """Map every tensor of speech_tokenizer/model.safetensors; raises PeerConversionError on an unknown one."""
    tensors: dict[str, tuple[str, ...]] = {}
    skipped: dict[str, str] = {}
    books: dict[str, dict[str, str]] = {}
    for hf in sorted(names):
        dec, enc = _DEC_CODEBOOK.fullmatch(hf), _ENC_CODEBOOK.fullmatch(hf)
        if dec or enc:
            side, layer, field = (dec or enc).groups()  # type: ignore[union-attr]
            if field == "initialized":
                skipped[hf] = "codebook bookkeeping flag, unused at run time"
                continue
            if enc and side == "acoustic" and int(layer) >= encoder_acoustic_kept:
                skipped[hf] = "encoder codebook beyond encoder_valid_num_quantizers"
                continue
            target = f"tok_dec.vq_{side}.{layer}.codebook" if dec else f"tok_enc.vq_{side}.{layer}.codebook"
            books.setdefault(target, {})["sum" if field in ("embedding_sum", "embed_sum") else field] = hf
            continue
        if re.fullmatch(r"decoder\.quantizer\.rvq_(first|rest)\.input_proj\.weight", hf):
            skipped[hf] = "decoder-side copy of the encoder's input_proj, unused by decoding"
            continue
        res = _DAC_RES.fullmatch(hf)
        name = (f"tok_dec.dec.{res[1]}.res.{int(res[2]) - 2}.{res[3].replace('.conv.', '.')}" if res
                else _match(hf, _CODEC_PATTERNS))
        if name and (".pre_tfm.blk." in name or name.startswith("tok_enc.blk.")):
            head, _, suffix = name.partition(".blk.")
            index, _, rest = suffix.partition(".")
            name = f"{head}.blk.{index}.{_CODEC_LAYER_SUFFIX[rest]}" if rest in _CODEC_LAYER_SUFFIX else None
        if name is None:
            raise PeerConversionError(f"no qwentts.cpp name for codec tensor {hf!r}")
        tensors[name] = (hf,)
    for target, parts in books.items():
        if set(parts) != {"sum", "cluster_usage"}:
            raise PeerConversionError(f"codebook {target} lacks embedding_sum or cluster_usage: {sorted(parts)}")
        tensors[target] = (parts["sum"], parts["cluster_usage"])
    return CodecPlan(tensors, skipped)


# --- Q8_0 ------------------------------------------------------------------------------------------------------

def quantize_q8_0(x: np.ndarray) -> np.ndarray:
    """ggml's reference Q8_0 (quantize_row_q8_0_ref): rows of x -> uint8 [..., row/32*34], bit-exact."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim == 0 or x.shape[-1] % Q8_BLOCK:
        raise PeerConversionError(f"Q8_0 needs rows divisible by {Q8_BLOCK}, got shape {x.shape}")
    blocks = x.reshape(-1, Q8_BLOCK)
    out = np.empty((len(blocks), 2 + Q8_BLOCK), dtype=np.uint8)
    step = 1 << 18  # blocks per slice: the temporaries of a 150k x 2048 embedding stay small
    for i in range(0, len(blocks), step):
        b = blocks[i:i + step]
        d = np.abs(b).max(axis=1, keepdims=True) / np.float32(127)
        with np.errstate(divide="ignore"):
            inv = np.where(d == 0, np.float32(0), np.float32(1) / d)
        scaled = b * inv
        q = np.sign(scaled) * np.floor(np.abs(scaled) + np.float32(0.5))  # C roundf: halves away from zero
        out[i:i + step, :2] = d.astype(np.float16).view(np.uint8)
        out[i:i + step, 2:] = q.astype(np.int8).view(np.uint8)
    return out.reshape(*x.shape[:-1], x.shape[-1] // Q8_BLOCK * (2 + Q8_BLOCK))


def dequantize_q8_0(data: np.ndarray) -> np.ndarray:
    """Inverse of quantize_q8_0 (float32 with the original shape)."""
    blocks = np.ascontiguousarray(data, dtype=np.uint8).reshape(-1, 2 + Q8_BLOCK)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    values = blocks[:, 2:].copy().view(np.int8).astype(np.float32) * d
    return values.reshape(*data.shape[:-1], data.shape[-1] // (2 + Q8_BLOCK) * Q8_BLOCK)


def storage_type(gguf_name: str, shape: tuple[int, ...], weights: PeerWeights) -> str:
    """"Q8_0" | "F16" | "F32" for one talker-file tensor (tools/quantize.cpp's should_quantize, F16 fallback)."""
    if weights is PeerWeights.F32 or len(shape) < 2 or gguf_name == "spk_enc.fc.weight":
        return "F32"
    if weights is PeerWeights.Q8_0 and shape[-1] % Q8_BLOCK == 0:  # numpy's last axis is ggml's ne[0]
        return "Q8_0"
    return "F16"  # conv kernels (K = 1, 3, 5, 7) cannot fill a block; the loaders widen or keep F16


# --- reading ---------------------------------------------------------------------------------------------------

class SafeTensors:
    """The tensors of one safetensors file as float32 numpy arrays, read one at a time by the safetensors
    library (F32 / F16 / BF16; anything else is refused)."""

    _FLOATS = ("F32", "F16", "BF16")

    def __init__(self, path: Path) -> None:
        from safetensors import safe_open

        self.path = Path(path)
        self._file = safe_open(str(self.path), framework="pt")

    def names(self) -> list[str]:
        return list(self._file.keys())

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self._file.get_slice(name).get_shape())

    def get(self, name: str) -> np.ndarray:
        dtype = self._file.get_slice(name).get_dtype()
        if dtype not in self._FLOATS:
            raise PeerConversionError(f"{self.path.name}: tensor {name!r} has unsupported dtype {dtype}")
        return self._file.get_tensor(name).float().numpy()


def _require_gguf() -> Any:
    try:
        import gguf
    except ImportError as exc:
        raise PeerConversionError("converting for qwentts.cpp needs the `gguf` package: pip install gguf "
                                  "(or pip install .[peer])") from exc
    return gguf


# --- metadata ---------------------------------------------------------------------------------------------------

_KV = dict[str, tuple[str, Any]]  # key -> (type the loader reads it as, value); gguf_get_val_u32 aborts on others
_LM_KEYS = {"embedding_length": "hidden_size", "feed_forward_length": "intermediate_size",
            "block_count": "num_hidden_layers", "attention.head_count": "num_attention_heads",
            "attention.head_count_kv": "num_key_value_heads", "attention.key_length": "head_dim",
            "vocab_size": "vocab_size", "context_length": "max_position_embeddings"}
_CODEC_IDS = {"pad_id": "codec_pad_id", "bos_id": "codec_bos_id", "eos_id": "codec_eos_token_id",
              "think_id": "codec_think_id", "nothink_id": "codec_nothink_id", "think_bos_id": "codec_think_bos_id",
              "think_eos_id": "codec_think_eos_id"}
_TEXT_IDS = {"im_start_id": "im_start_token_id", "im_end_id": "im_end_token_id", "tts_pad_id": "tts_pad_token_id",
             "tts_bos_id": "tts_bos_token_id", "tts_eos_id": "tts_eos_token_id"}
_GENERATION = {"do_sample": ("do_sample", "bool"), "top_k": ("top_k", "u32"), "top_p": ("top_p", "f32"),
               "temperature": ("temperature", "f32"), "repetition_penalty": ("repetition_penalty", "f32"),
               "subtalker_do_sample": ("subtalker_dosample", "bool"), "subtalker_top_k": ("subtalker_top_k", "u32"),
               "subtalker_top_p": ("subtalker_top_p", "f32"),
               "subtalker_temperature": ("subtalker_temperature", "f32"),
               "max_new_tokens": ("max_new_tokens", "u32")}
_CAST = {"bool": bool, "u32": int, "f32": float}


def talker_metadata(folder: Path, has_speaker_encoder: bool) -> _KV:
    """KV pairs of the talker file (convert.py's convert_talker_base, typed as pipeline-tts.cpp reads them)."""
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    t = cfg["talker_config"]
    kv: _KV = {"general.name": ("str", f"reader-app random {cfg['tts_model_type']} ({cfg['tts_model_size']})"),
               "qwen3-tts.tokenizer_type": ("str", cfg["tokenizer_type"]),
               "qwen3-tts.model_size": ("str", cfg["tts_model_size"]),
               "qwen3-tts.model_type": ("str", cfg["tts_model_type"]),
               "qwen3-tts.num_code_groups": ("u32", int(t["num_code_groups"]))}
    for part, c in (("talker", t), ("code_pred", t["code_predictor_config"])):
        kv |= {f"qwen3-tts.{part}.{key}": ("u32", int(c[src])) for key, src in _LM_KEYS.items()}
        kv[f"qwen3-tts.{part}.rope.freq_base"] = ("f32", float(c["rope_theta"]))
        kv[f"qwen3-tts.{part}.attention.layer_norm_rms_epsilon"] = ("f32", float(c["rms_norm_eps"]))
    for key in ("text_vocab_size", "text_hidden_size", "position_id_per_seconds"):
        if key in t:
            kv[f"qwen3-tts.talker.{key}"] = ("u32", int(t[key]))
    rope = t.get("rope_scaling") or {}
    if "mrope_section" in rope:
        kv["qwen3-tts.talker.rope.mrope_section"] = ("u32[]", [int(v) for v in rope["mrope_section"]])
        kv["qwen3-tts.talker.rope.mrope_interleaved"] = ("bool", bool(rope.get("interleaved", False)))
    spk = cfg.get("speaker_encoder_config")
    if has_speaker_encoder and spk:
        kv["qwen3-tts.spk_enc.embedding_length"] = ("u32", int(spk["enc_dim"]))
        kv["qwen3-tts.spk_enc.sample_rate"] = ("u32", int(spk.get("sample_rate", 24000)))
    kv |= {f"qwen3-tts.codec.{key}": ("u32", int(t[src])) for key, src in _CODEC_IDS.items()}
    kv |= {f"qwen3-tts.text.{key}": ("u32", int(cfg[src])) for key, src in _TEXT_IDS.items()}
    for table, names_key, ids_key in (("codec_language_id", "language_names", "language_ids"),
                                      ("spk_id", "speaker_names", "speaker_ids")):
        if t.get(table):
            kv[f"qwen3-tts.codec.{names_key}"] = ("str[]", list(t[table]))
            kv[f"qwen3-tts.codec.{ids_key}"] = ("u32[]", [int(v) for v in t[table].values()])
    if t.get("spk_id"):  # a dialect name, or "" for speakers who keep the asked language
        dialects = t.get("spk_is_dialect") or {}
        kv["qwen3-tts.codec.speaker_dialects"] = ("str[]", [d if isinstance(d := dialects.get(n), str) else ""
                                                            for n in t["spk_id"]])
    gen_path = folder / "generation_config.json"
    gen = json.loads(gen_path.read_text(encoding="utf-8")) if gen_path.is_file() else {}
    kv |= {f"generation.{key}": (kind, _CAST[kind](gen[src])) for key, (src, kind) in _GENERATION.items()
           if src in gen}
    tokens, types, merges = _bpe_vocab(folder)
    kv |= {"tokenizer.ggml.model": ("str", "gpt2"), "tokenizer.ggml.tokens": ("str[]", tokens),
           "tokenizer.ggml.token_type": ("i32[]", types), "tokenizer.ggml.merges": ("str[]", merges)}
    if "<|endoftext|>" in tokens:
        kv["tokenizer.ggml.eos_token_id"] = ("u32", tokens.index("<|endoftext|>"))
    return kv


def _bpe_vocab(folder: Path) -> tuple[list[str], list[int], list[str]]:
    """Qwen2 byte-level BPE as GGUF arrays (convert.py's load_bpe_vocab): specials typed 4, gaps 5 (unused)."""
    try:
        vocab: dict[str, int] = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        added = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8")).get(
            "added_tokens_decoder", {})
        merge_lines = (folder / "merges.txt").read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PeerConversionError(f"{folder}: the text tokenizer needs vocab.json, merges.txt and "
                                  f"tokenizer_config.json ({exc})") from exc
    size = max([*vocab.values(), *(int(i) for i in added)]) + 1
    tokens, types = [f"<|unused-{i}|>" for i in range(size)], [5] * size
    for tok, i in vocab.items():
        tokens[i], types[i] = tok, 1
    for i, info in added.items():
        tokens[int(i)], types[int(i)] = info["content"], 4
    return tokens, types, [line for line in merge_lines if line and not line.startswith("#")]


def codec_metadata(folder: Path, codebook_dim_internal: int) -> _KV:
    """KV pairs of the codec file (convert.py's convert_tokenizer_12hz)."""
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    dec, enc, pre = cfg["decoder_config"], cfg["encoder_config"], "qwen3-tts-tokenizer"
    kv: _KV = {"general.name": ("str", "reader-app random Qwen3-TTS-Tokenizer-12Hz")}
    kv |= {f"{pre}.{key}": ("u32", int(cfg[key])) for key in (
        "input_sample_rate", "output_sample_rate", "decode_upsample_rate", "encode_downsample_rate",
        "encoder_valid_num_quantizers")}
    kv |= {f"{pre}.decoder.{key}": ("u32", int(dec[key])) for key in (
        "latent_dim", "codebook_dim", "codebook_size", "decoder_dim", "hidden_size", "intermediate_size", "head_dim",
        "num_attention_heads", "num_key_value_heads", "num_hidden_layers", "num_quantizers", "sliding_window")}
    kv[f"{pre}.decoder.num_semantic_quantizers"] = ("u32", int(dec.get("num_semantic_quantizers", 1)))
    kv[f"{pre}.decoder.vector_quantization_hidden_dim"] = ("u32", int(dec.get("vector_quantization_hidden_dimension",
                                                                              dec["codebook_dim"])))
    # convert.py hard-codes 256 (the published codebook width); ours follows the checkpoint.
    kv[f"{pre}.decoder.codebook_dim_internal"] = ("u32", int(codebook_dim_internal))
    kv |= {f"{pre}.encoder.{key.replace('dimension', 'dim')}": ("u32", int(enc[key])) for key in (
        "num_filters", "kernel_size", "last_kernel_size", "residual_kernel_size", "num_residual_layers",
        "dilation_growth_rate", "compress", "hidden_size", "intermediate_size", "head_dim", "num_attention_heads",
        "num_key_value_heads", "num_hidden_layers", "codebook_dim", "codebook_size", "num_quantizers",
        "num_semantic_quantizers", "vector_quantization_hidden_dimension")}
    for part, c, keys in (("decoder", dec, ("rms_norm_eps", "rope_theta", "layer_scale_initial_scale")),
                          ("encoder", enc, ("norm_eps", "rope_theta", "layer_scale_initial_scale"))):
        kv |= {f"{pre}.{part}.{key}": ("f32", float(c[key])) for key in keys}
    for part, c, key in (("decoder", dec, "upsample_rates"), ("decoder", dec, "upsampling_ratios"),
                         ("encoder", enc, "upsampling_ratios")):
        kv[f"{pre}.{part}.{key}"] = ("u32[]", [int(v) for v in c[key]])
    return kv


def peer_codec_problems(codec_folder: Path) -> list[str]:
    """Why qwentts.cpp cannot decode this codec (its widths are compiled in), or [] when it can."""
    dec = json.loads((codec_folder / "config.json").read_text(encoding="utf-8"))["decoder_config"]
    return [f"decoder {key} is {dec.get(key)!r}, the peer's codec needs {want!r}"
            for key, want in PEER_CODEC_SHAPE.items() if dec.get(key) != want]


# --- writing ----------------------------------------------------------------------------------------------------

_Tensor = tuple[str, tuple[int, ...], str, Any]  # gguf name, shape, storage type, () -> float32 array


def _write_gguf(path: Path, arch: str, kv: _KV, tensors: list[_Tensor]) -> None:
    """Stream a GGUF: header and tensor infos first, then one tensor at a time (a 0.6B talker never sits whole in
    memory). Written beside `path` and renamed, so a cut-off run leaves no half file under the final name."""
    gguf = _require_gguf()
    vt, qt = gguf.GGUFValueType, gguf.GGMLQuantizationType
    tmp = path.with_name(path.name + ".part")
    writer = gguf.GGUFWriter(str(tmp), arch)
    scalar = {"u32": vt.UINT32, "f32": vt.FLOAT32, "bool": vt.BOOL, "str": vt.STRING}
    arrays = {"u32[]": vt.UINT32, "i32[]": vt.INT32, "str[]": vt.STRING}
    for key, (kind, value) in kv.items():
        if kind in scalar:
            writer.add_key_value(key, value, scalar[kind])
        else:
            writer.add_key_value(key, value, vt.ARRAY, sub_type=arrays[kind])
    for name, shape, storage, _ in tensors:
        if storage == "Q8_0":
            nbytes_shape = (*shape[:-1], shape[-1] // Q8_BLOCK * (2 + Q8_BLOCK))
            writer.add_tensor_info(name, nbytes_shape, np.dtype(np.uint8), int(np.prod(nbytes_shape)), qt.Q8_0)
        else:
            dtype = np.dtype(np.float16 if storage == "F16" else np.float32)
            writer.add_tensor_info(name, shape, dtype, int(np.prod(shape)) * dtype.itemsize)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for name, shape, storage, load in tensors:
        arr = np.ascontiguousarray(load(), dtype=np.float32)
        if arr.shape != shape:
            raise PeerConversionError(f"{name}: expected shape {shape}, got {arr.shape}")
        writer.write_tensor_data(quantize_q8_0(arr) if storage == "Q8_0"
                                 else arr.astype(np.float16) if storage == "F16" else arr)
    writer.close()
    tmp.replace(path)


def _file_digest(paths: Iterable[Path], extra: str) -> str:
    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(path.name.encode())
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                h.update(block)
    return h.hexdigest()[:32]


def _cached(target: Path, fingerprint: str) -> bool:
    """A sidecar marker records the fingerprint of what `target` was converted from (and its size)."""
    try:
        marker = json.loads(target.with_name(target.name + ".json").read_text(encoding="utf-8"))
        return marker.get("fingerprint") == fingerprint and marker.get("size") == target.stat().st_size
    except (OSError, ValueError):
        return False


def _mark(target: Path, fingerprint: str, source: Path) -> None:
    marker = dict(fingerprint=fingerprint, size=target.stat().st_size, source=str(source),
                  converter="reader_app.devtools.peer.gguf_convert", converter_version=CONVERTER_VERSION)
    target.with_name(target.name + ".json").write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _talker_tensors(st: SafeTensors, weights: PeerWeights) -> Iterator[_Tensor]:
    for hf in st.names():
        name, shape = talker_tensor_name(hf), st.shape(hf)
        yield name, shape, storage_type(name, shape, weights), (lambda hf=hf: st.get(hf))


def _codec_tensors(st: SafeTensors, plan: CodecPlan) -> Iterator[_Tensor]:
    for name, sources in plan.tensors.items():
        if len(sources) == 1:
            yield name, st.shape(sources[0]), "F32", (lambda s=sources[0]: st.get(s))
        else:  # F.embedding table, pre-divided like convert.py's precompute_codebook
            yield name, st.shape(sources[0]), "F32", (
                lambda s=sources: st.get(s[0]) / np.clip(st.get(s[1]), RVQ_EPS, None)[:, None])


def convert_checkpoint(checkpoint: Path, out_dir: Path, weights: str = "q8_0",
                       strict_codec: bool = True) -> PeerModelFiles:
    """Write (or reuse) `out_dir`/qwen-talker-<kind>-<WEIGHTS>.gguf and qwen-tokenizer-12hz-F32.gguf.

    strict_codec=False converts a codec the peer cannot decode (tiny checkpoints) instead of refusing it.
    """
    try:
        fmt = PeerWeights(str(weights).lower())
    except ValueError:
        raise PeerConversionError(f"weights must be one of {[w.value for w in PeerWeights]}, got {weights!r}") from None
    checkpoint, out_dir = Path(checkpoint), Path(out_dir)
    codec_dir = checkpoint / "speech_tokenizer"
    for need in (checkpoint / "config.json", checkpoint / "model.safetensors", codec_dir / "config.json",
                 codec_dir / "model.safetensors"):
        if not need.is_file():
            raise PeerConversionError(f"{checkpoint} is not a single-file Qwen3-TTS checkpoint: {need.name} missing"
                                      + (" (sharded weights are not supported)" if "safetensors" in need.name else ""))
    cfg = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))
    kind = cfg.get("tts_model_type")
    if kind not in ("custom_voice", "voice_design", "base") or cfg.get("tokenizer_type") != "qwen3_tts_tokenizer_12hz":
        raise PeerConversionError(f"{checkpoint}: unsupported checkpoint (tts_model_type {kind!r}, tokenizer_type "
                                  f"{cfg.get('tokenizer_type')!r}); the peer runs the 12 Hz models")
    problems = peer_codec_problems(codec_dir)
    if problems and strict_codec:
        raise PeerConversionError(f"{checkpoint}: qwentts.cpp cannot decode this codec: {'; '.join(problems)} "
                                  "(its codec widths are compiled in; use a 0.6b/1.7b checkpoint)")
    _require_gguf()
    out_dir.mkdir(parents=True, exist_ok=True)
    names = ("config.json", "generation_config.json", "vocab.json", "merges.txt", "tokenizer_config.json",
             "model.safetensors")
    talker_inputs = [checkpoint / n for n in names if (checkpoint / n).is_file()]
    codec_inputs = [codec_dir / "config.json", codec_dir / "model.safetensors"]
    talker_fp = _file_digest(talker_inputs, f"talker v{CONVERTER_VERSION} {fmt}")
    codec_fp = _file_digest(codec_inputs, f"codec v{CONVERTER_VERSION}")
    talker = out_dir / f"qwen-talker-{kind.replace('_', '')}-{fmt.value.upper()}.gguf"
    codec = out_dir / "qwen-tokenizer-12hz-F32.gguf"
    if not _cached(talker, talker_fp):
        st = SafeTensors(checkpoint / "model.safetensors")
        has_spk = any(n.startswith("speaker_encoder.") for n in st.names())
        _write_gguf(talker, "qwen3-tts", talker_metadata(checkpoint, has_spk), list(_talker_tensors(st, fmt)))
        _mark(talker, talker_fp, checkpoint)
    if not _cached(codec, codec_fp):
        st = SafeTensors(codec_dir / "model.safetensors")
        codec_cfg = json.loads((codec_dir / "config.json").read_text(encoding="utf-8"))
        kept = codec_cfg["encoder_valid_num_quantizers"] - codec_cfg["encoder_config"]["num_semantic_quantizers"]
        plan = codec_plan(st.names(), encoder_acoustic_kept=kept)
        internal = st.shape(plan.tensors["tok_dec.vq_first.0.codebook"][0])[-1]
        _write_gguf(codec, "qwen3-tts-tokenizer", codec_metadata(codec_dir, internal), list(_codec_tensors(st, plan)))
        _mark(codec, codec_fp, codec_dir)
    speakers = tuple(cfg["talker_config"].get("spk_id") or {})
    return PeerModelFiles(talker, codec, fmt, kind, speakers, hashlib.sha256(f"{talker_fp}{codec_fp}".encode())
                          .hexdigest()[:32])
