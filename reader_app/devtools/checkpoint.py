"""Build random-weight Qwen3-TTS checkpoints that load offline with the stock `Qwen3TTSModel.from_pretrained`.

Used by the test suite (tiny, built in seconds and cached) and by benchmarks (real 0.6B / 1.7B shapes).
Same kind, size and seed give byte-identical weights. A marker file tells tools the folder is a random test
checkpoint, not a real voice.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from reader_app.devtools import checkpoint_spec as spec
from reader_app.devtools.checkpoint_spec import (
    BUILDER_VERSION,
    KINDS,
    MARKER_FILE,
    SIZES,
)


def _train_tokenizer():
    """A small byte-level BPE in Qwen2's layout, wrapped in Qwen2TokenizerFast."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2TokenizerFast

    # Qwen2's split pattern; transformers may swap pre_tokenizer[0] (its "mistral regex" fix), so keep the
    # Sequence([Split, ByteLevel]) shape of the real tokenizer.json.
    pattern = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    trainer = trainers.BpeTrainer(vocab_size=spec.TOKENIZER_VOCAB, min_frequency=1, show_progress=False,
                                  special_tokens=list(spec.SPECIAL_TOKENS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    # Repeat the scaffold words so their merges win over everything else.
    corpus = [w for w in ("assistant", "user", "system") for _ in range(50)] + spec.TOKENIZER_CORPUS * 3
    tok.train_from_iterator(corpus, trainer=trainer)
    fast = Qwen2TokenizerFast(tokenizer_object=tok, bos_token=None, eos_token=spec.IM_END,
                              pad_token=spec.ENDOFTEXT, unk_token=None, errors="replace",
                              additional_special_tokens=[spec.IM_START, spec.IM_END, spec.TTS_PAD,
                                                         spec.TTS_BOS, spec.TTS_EOS],
                              add_prefix_space=False, clean_up_tokenization_spaces=False)
    # The wrapper slices prompts at fixed offsets: [:3] role prefix, [3:-5] text, [-5:] closing scaffold;
    # reference texts end in `<|im_end|>\n` ([3:-2]).
    for scaffold, expected in (("<|im_start|>assistant\n", 3), ("<|im_end|>\n<|im_start|>assistant\n", 5),
                               ("<|im_end|>\n", 2)):
        got = fast(scaffold)["input_ids"]
        if len(got) != expected:
            raise RuntimeError(f"tokenizer splits {scaffold!r} into {len(got)} tokens, Qwen3-TTS needs {expected}")
    return fast


def _seed_all(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _talker_config(shape: dict, text_vocab: int) -> dict:
    t, p = dict(shape["talker"]), shape["predictor"]
    mrope = t.pop("mrope_section")
    rope = {"interleaved": True, "mrope_section": mrope, "rope_type": "default", "type": "default"}
    predictor = dict(p, vocab_size=2048, num_code_groups=16, rope_theta=t["rope_theta"],
                     max_position_embeddings=65536, rms_norm_eps=1e-6, hidden_act="silu")
    speakers = {name: spec.SPEAKER_IDS[name] for name in spec.SPEAKERS}
    return dict(t, code_predictor_config=predictor, vocab_size=3072, num_code_groups=16,
                text_vocab_size=text_vocab, rope_scaling=rope, max_position_embeddings=32768,
                rms_norm_eps=1e-6, hidden_act="silu", **spec.CODEC_IDS,
                spk_id=speakers, spk_is_dialect={n: spec.SPEAKER_DIALECT.get(n, False) for n in speakers},
                codec_language_id=dict(spec.LANGUAGE_IDS))


def _speech_tokenizer_config(shape: dict):
    from qwen_tts.core import Qwen3TTSTokenizerV2Config

    enc = dict(shape["encoder"], sampling_rate=24000, frame_rate=12.5, codebook_size=2048,
               num_semantic_quantizers=1, upsampling_ratios=[8, 6, 5, 4], use_cache=False)
    dec = dict(shape["decoder"], codebook_size=2048, num_quantizers=16, sliding_window=72,
               upsample_rates=[8, 5, 4, 3], upsampling_ratios=[2, 2], max_position_embeddings=8000)
    return Qwen3TTSTokenizerV2Config(encoder_config=enc, decoder_config=dec, encoder_valid_num_quantizers=16,
                                     input_sample_rate=24000, output_sample_rate=24000,
                                     decode_upsample_rate=1920, encode_downsample_rate=1920)


def _make_codec_audible(model, target_std: float = 0.1) -> None:
    """Stock init leaves zero codebooks and tiny weights: the decoder would output exact silence.

    Give the codebooks random entries, use variance-preserving weights, then scale the last convolution so
    random codes decode to noise at about `target_std` (audible, never clipped much) instead of zeros.
    """
    import torch
    from torch import nn

    decoder = model.decoder
    with torch.no_grad():
        for mod in decoder.modules():
            if type(mod).__name__ == "EuclideanCodebook":
                mod.embedding_sum.normal_(0.0, 1.0)
            elif isinstance(mod, (nn.Conv1d, nn.ConvTranspose1d, nn.Linear)):
                w = mod.weight
                fan_in = w.shape[1] * (w.shape[2] if w.dim() == 3 else 1)
                if isinstance(mod, nn.ConvTranspose1d):
                    fan_in = w.shape[0] * w.shape[2] // mod.stride[0]
                w.normal_(0.0, fan_in ** -0.5)
        last = decoder.decoder[-1].conv
        seen: list = []
        handle = last.register_forward_hook(lambda _m, _i, out: seen.append(out.float().std().item()))
        gen = torch.Generator().manual_seed(1234)
        codes = torch.randint(0, 2048, (1, 16, 16), generator=gen)
        decoder(codes)
        handle.remove()
        scale = target_std / max(seen[0], 1e-12)
        last.weight.mul_(scale)
        if last.bias is not None:
            last.bias.mul_(scale)


def _save_speech_tokenizer(shape: dict, out: Path, dtype) -> None:
    from qwen_tts.core import Qwen3TTSTokenizerV2Model
    from transformers import EncodecFeatureExtractor

    model = Qwen3TTSTokenizerV2Model(_speech_tokenizer_config(shape)).eval()
    _make_codec_audible(model)
    # The codec runs in float32 upstream; keep it so whatever the talker's dtype.
    model.save_pretrained(out, safe_serialization=True)
    EncodecFeatureExtractor(feature_size=1, sampling_rate=24000, padding_value=0.0, chunk_length_s=None,
                            overlap=None, return_attention_mask=True).save_pretrained(out)


def _fix_saved_config(folder: Path) -> None:
    """save_pretrained writes a model_type into speaker_encoder_config that its class cannot take back."""
    path = folder / "config.json"
    cfg = json.loads(path.read_text())
    cfg.get("speaker_encoder_config", {}).pop("model_type", None)
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


class CheckpointTargetError(ValueError):
    """The output folder holds something build_checkpoint must not overwrite without force=True."""


def _marker_kind(folder: Path) -> str | None:
    """The kind of the random test checkpoint in `folder` (its marker file), or None."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker.get("kind") if isinstance(marker, dict) and marker.get("random_weights") else None


def check_target(out_dir: Path, kind: str, force: bool = False) -> None:
    """Refuse (CheckpointTargetError) to write into a folder that holds anything but a random test checkpoint of
    the same kind: another kind's checkpoint would become a mix of both, a real model would be replaced by noise,
    other files would sit among the checkpoint's. force=True allows it: the checkpoint's files and any other
    weight files there are replaced, anything else stays (a mistyped folder loses no unrelated files)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise CheckpointTargetError(f"{out_dir} is a file, not a folder")
    if force or not out_dir.is_dir() or not any(out_dir.iterdir()):
        return
    found = _marker_kind(out_dir)
    if found == kind:
        return  # rebuilding the same kind of test checkpoint in place
    if found is not None:
        what = f"a random {found} checkpoint"
    elif (out_dir / "config.json").is_file():
        what = "a model (config.json) that is not a random test checkpoint"
    else:
        what = "other files"
    raise CheckpointTargetError(f"{out_dir} is not empty: it holds {what}, not a random {kind} checkpoint; choose "
                                "an empty or new folder, or pass --force to write the checkpoint over it")


def build_checkpoint(kind: str, size: str, out_dir: Path, seed: int = 0, force: bool = False) -> Path:
    """Write a random-weight Qwen3-TTS checkpoint folder for `kind` / `size` into out_dir and return it.
    out_dir must be new, empty or a random checkpoint of the same kind (check_target); force=True writes into
    any folder (see check_target)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    check_target(Path(out_dir), kind, force)  # before torch is imported: a refusal is quick
    from reader_app.tts.qwen_import import import_qwen_tts

    import_qwen_tts()
    import torch
    from qwen_tts.core.models import (
        Qwen3TTSConfig,
        Qwen3TTSForConditionalGeneration,
        Qwen3TTSProcessor,
    )

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    shape = spec.SHAPES[size]
    dtype = getattr(torch, shape["dtype"])
    with tempfile.TemporaryDirectory(prefix=".build-", dir=out_dir.parent) as tmp_name:
        tmp = Path(tmp_name)
        tokenizer = _train_tokenizer()
        text_vocab = shape["text_vocab_size"] or (len(tokenizer) + 63) // 64 * 64
        ids = {name: tokenizer.convert_tokens_to_ids(tok) for name, tok in (
            ("im_start_token_id", spec.IM_START), ("im_end_token_id", spec.IM_END),
            ("tts_pad_token_id", spec.TTS_PAD), ("tts_bos_token_id", spec.TTS_BOS),
            ("tts_eos_token_id", spec.TTS_EOS))}
        talker_hidden = shape["talker"]["hidden_size"]
        speaker_cfg = dict(shape["speaker"], mel_dim=128, enc_dim=talker_hidden, sample_rate=24000)
        config = Qwen3TTSConfig(talker_config=_talker_config(shape, text_vocab),
                                speaker_encoder_config=speaker_cfg, tokenizer_type="qwen3_tts_tokenizer_12hz",
                                tts_model_size=spec.MODEL_SIZE_TAG[size], tts_model_type=kind, **ids)
        config.architectures = ["Qwen3TTSForConditionalGeneration"]

        _seed_all(seed)
        with torch.no_grad():
            model = Qwen3TTSForConditionalGeneration(config).eval().to(dtype)
        model.save_pretrained(tmp, safe_serialization=True)
        del model
        _fix_saved_config(tmp)
        Qwen3TTSProcessor(tokenizer=tokenizer).save_pretrained(tmp)
        (tmp / "generation_config.json").write_text(json.dumps(spec.GENERATION_DEFAULTS, indent=2) + "\n")

        _seed_all(seed + 1)
        _save_speech_tokenizer(shape, tmp / "speech_tokenizer", dtype)

        marker = dict(builder="reader_app.devtools.checkpoint", builder_version=BUILDER_VERSION, kind=kind,
                      size=size, seed=seed, random_weights=True,
                      note="Random weights built locally for tests and benchmarks; it speaks noise.")
        (tmp / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n")
        if force:  # weights of what was there would be read with the new ones (shards, an index): they go
            for old in out_dir.glob("*.safetensors*"):
                old.unlink()
        for item in tmp.iterdir():
            target = out_dir / item.name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            shutil.move(str(item), target)
    return out_dir


def _cache_root() -> Path:
    override = os.environ.get("READER_APP_TEST_CHECKPOINTS")
    if override:
        return Path(override)
    from reader_app import paths

    return paths.cache_dir() / "checkpoints"


def tiny_checkpoint(kind: str, seed: int = 0) -> Path:
    """A tiny checkpoint of `kind`, built once into the checkpoint cache and reused afterwards."""
    root = _cache_root()
    folder = root / f"tiny-{kind}-s{seed}-v{BUILDER_VERSION}"
    if (folder / MARKER_FILE).is_file():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    # Build beside the target, then rename: parallel test sessions never see a half-written folder.
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=root))
    try:
        build_checkpoint(kind, "tiny", staging / "ckpt", seed=seed)
        try:
            os.rename(staging / "ckpt", folder)
        except OSError:
            if not (folder / MARKER_FILE).is_file():  # lost a race to a broken folder: replace it
                shutil.rmtree(folder, ignore_errors=True)
                os.rename(staging / "ckpt", folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def weights_digest(folder: Path) -> str:
    """sha256 of model.safetensors (used by tests to check determinism)."""
    h = hashlib.sha256()
    with open(Path(folder) / "model.safetensors", "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
