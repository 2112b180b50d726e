"""Locally built random checkpoints: deterministic, complete, and loadable by the stock qwen_tts wrapper."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reader_app.devtools import checkpoint_spec as spec
from reader_app.devtools.checkpoint import (
    build_checkpoint,
    tiny_checkpoint,
    weights_digest,
)


def _load(folder: Path):
    from reader_app.tts.qwen_import import import_qwen_tts

    qwen_tts = import_qwen_tts()
    import torch

    torch.set_num_threads(1)  # a busy 2-core machine runs tiny models much faster on one thread
    return qwen_tts.Qwen3TTSModel.from_pretrained(str(folder), dtype=torch.float32)


def _check(wavs: list, sr: int, count: int) -> None:
    assert sr == 24_000
    assert len(wavs) == count
    for wav in wavs:
        assert wav.ndim == 1 and wav.size > 0
        assert np.isfinite(wav).all()
        assert 0 < np.abs(wav).max() <= 1.0  # audible noise, not the silence a stock init decodes to


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a = build_checkpoint("custom_voice", "tiny", tmp_path / "a", seed=7)
    b = build_checkpoint("custom_voice", "tiny", tmp_path / "b", seed=7)
    c = build_checkpoint("custom_voice", "tiny", tmp_path / "c", seed=8)
    assert weights_digest(a) == weights_digest(b) != weights_digest(c)
    for name in ("config.json", "tokenizer.json", "speech_tokenizer/model.safetensors"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    marker = json.loads((a / spec.MARKER_FILE).read_text())
    assert marker["kind"] == "custom_voice" and marker["size"] == "tiny" and marker["seed"] == 7
    assert marker["random_weights"] is True


def test_folder_layout_and_config(tiny_custom_voice: Path) -> None:
    for name in ("config.json", "model.safetensors", "generation_config.json", "tokenizer.json",
                 "speech_tokenizer/config.json", "speech_tokenizer/model.safetensors",
                 "speech_tokenizer/preprocessor_config.json", spec.MARKER_FILE):
        assert (tiny_custom_voice / name).is_file(), name
    cfg = json.loads((tiny_custom_voice / "config.json").read_text())
    assert cfg["tts_model_type"] == "custom_voice" and cfg["tts_model_size"] == "0b6"
    assert "model_type" not in cfg["speaker_encoder_config"]
    assert sorted(cfg["talker_config"]["spk_id"]) == sorted(spec.SPEAKERS)
    assert set(spec.LANGUAGES) <= set(cfg["talker_config"]["codec_language_id"])


def test_cached_fixture_is_reused(tiny_base: Path) -> None:
    assert tiny_checkpoint("base") == tiny_base
    assert tiny_base.name.endswith(f"v{spec.BUILDER_VERSION}")


def test_custom_voice_generates(tiny_custom_voice: Path) -> None:
    model = _load(tiny_custom_voice)
    assert set(model.get_supported_speakers()) == set(spec.SPEAKERS)
    assert set(model.get_supported_languages()) == set(spec.LANGUAGES) | {"auto"}
    wavs, sr = model.generate_custom_voice(["Hello there.", "你好"], speaker=["vivian", "dylan"],
                                           language=["English", "auto"], max_new_tokens=5)
    _check(wavs, sr, 2)


def test_voice_design_generates(tiny_voice_design: Path) -> None:
    model = _load(tiny_voice_design)
    wavs, sr = model.generate_voice_design("Hello there.", instruct="A calm, deep narrator voice.",
                                           language="English", max_new_tokens=5)
    _check(wavs, sr, 1)


def test_voice_clone_icl_and_xvector(tiny_base: Path) -> None:
    model = _load(tiny_base)
    ref = (0.1 * np.sin(np.linspace(0, 2000, 24_000)).astype(np.float32), 24_000)
    wavs, sr = model.generate_voice_clone(["Hello there.", "Again."], language="English", ref_audio=ref,
                                          ref_text="A short reference.", max_new_tokens=5)
    _check(wavs, sr, 2)
    wavs, sr = model.generate_voice_clone("Hello there.", language="English", ref_audio=ref,
                                          x_vector_only_mode=True, max_new_tokens=5)
    _check(wavs, sr, 1)


def test_rejects_unknown_kind_or_size(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="kind"):
        build_checkpoint("karaoke", "tiny", tmp_path)
    with pytest.raises(ValueError, match="size"):
        build_checkpoint("base", "7b", tmp_path)
