"""Locating, checking and downloading model folders (no torch needed for any of it)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from reader_app.models.catalog import (
    KNOWN_MODELS,
    configured_model_path,
    download_model,
    find_installed_models,
    inspect_model,
    model_fingerprint,
)
from reader_app.tts.engine import EngineError
from tests.support.hub import FakeHub
from tests.support.perf import time_limit

REPO = "Qwen/Qwen3-TTS-12Hz-0.6B-CustomVoice"


def test_inspect_tiny_checkpoints(tiny_custom_voice: Path, tiny_voice_design: Path, tiny_base: Path) -> None:
    info = inspect_model(tiny_custom_voice)
    assert (info.kind, info.size, info.is_random_test_checkpoint) == ("custom_voice", "tiny", True)
    assert info.speakers[0] == "vivian" and len(info.speakers) == 9
    assert "english" in info.languages and "beijing_dialect" not in info.languages
    assert info.ignores_instructions and info.voice_kind == "preset"
    assert inspect_model(tiny_voice_design).kind == "voice_design"
    base = inspect_model(tiny_base)
    assert base.kind == "base" and base.speakers == () and base.voice_kind == "clone"
    assert len({info.model_id, base.model_id, inspect_model(tiny_voice_design).model_id}) == 3
    assert inspect_model(str(tiny_base)).model_id == base.model_id  # str paths work, ids are stable


def test_fingerprint_follows_content_not_location(tiny_custom_voice: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(tiny_custom_voice, tmp_path / "moved"))
    assert model_fingerprint(copy) == model_fingerprint(tiny_custom_voice)
    gen = json.loads((copy / "generation_config.json").read_text())
    gen["temperature"] = 0.5
    (copy / "generation_config.json").write_text(json.dumps(gen))
    assert model_fingerprint(copy) != model_fingerprint(tiny_custom_voice)


@pytest.mark.parametrize("breakage, message", [
    ("nothing", "does not exist"),
    ("file", "is not a folder"),
    ("empty", "is not a Qwen3-TTS checkpoint: missing config.json"),
    ("no_codec", "is not a Qwen3-TTS checkpoint: missing speech_tokenizer/config.json"),
    ("wrong_type", "model_type 'llama'"),
])
def test_invalid_folders_say_why(tiny_base: Path, tmp_path: Path, breakage: str, message: str) -> None:
    target = tmp_path / "model"
    if breakage == "file":
        target.write_text("hello")
    elif breakage == "empty":
        target.mkdir()
    elif breakage in ("no_codec", "wrong_type"):
        shutil.copytree(tiny_base, target)
        if breakage == "no_codec":
            shutil.rmtree(target / "speech_tokenizer")
        else:
            cfg = json.loads((target / "config.json").read_text())
            cfg["model_type"] = "llama"
            (target / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(EngineError, match=message.replace("(", r"\(")):
        inspect_model(target)


def test_configured_model_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("READER_APP_MODEL", raising=False)
    assert configured_model_path(None) is None
    assert configured_model_path("  ") is None
    assert configured_model_path("~/models/x") == Path.home() / "models" / "x"
    monkeypatch.setenv("READER_APP_MODEL", str(tmp_path))
    assert configured_model_path("/somewhere/else") == tmp_path


def test_find_installed_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_custom_voice: Path,
                               tiny_base: Path) -> None:
    root = tmp_path / "models"
    (root / "Qwen").mkdir(parents=True)
    shutil.copytree(tiny_custom_voice, root / "cv")
    shutil.copytree(tiny_base, root / "Qwen" / "base")  # organisation/name layout
    (root / "junk").mkdir()
    (root / "junk" / "notes.txt").write_text("not a model")
    monkeypatch.setenv("READER_APP_MODELS_DIR", str(root))
    found = find_installed_models()
    assert [(i.kind, i.name) for i in found] == [("base", "base"), ("custom_voice", "cv")]


def test_known_models_are_the_published_repos() -> None:
    assert set(KNOWN_MODELS) == {
        "Qwen/Qwen3-TTS-12Hz-0.6B-CustomVoice", "Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice",
        "Qwen/Qwen3-TTS-12Hz-1.7B-VoiceDesign", "Qwen/Qwen3-TTS-12Hz-0.6B-Base", "Qwen/Qwen3-TTS-12Hz-1.7B-Base"}
    assert KNOWN_MODELS["Qwen/Qwen3-TTS-12Hz-1.7B-VoiceDesign"].kind == "voice_design"


def test_download_through_snapshot_download(tiny_custom_voice: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_APP_MODELS_DIR", str(tmp_path / "models"))
    seen: list[tuple[int, int | None]] = []
    with FakeHub(REPO, tiny_custom_voice) as hub:
        folder = download_model(REPO, progress=lambda done, total: seen.append((done, total)),
                                endpoint=hub.endpoint)
    assert folder == tmp_path / "models" / "Qwen3-TTS-12Hz-0.6B-CustomVoice"
    assert any(r.startswith("GET /api/models/") for r in hub.requests)
    assert any("/resolve/" in r and r.endswith("model.safetensors") for r in hub.requests)
    info = inspect_model(folder)
    assert info.model_id == inspect_model(tiny_custom_voice).model_id  # same bytes arrived
    assert seen and seen[-1][1] is not None and seen[-1][0] >= seen[-1][1] > 0
    assert [i.path for i in find_installed_models()] == [folder]


def test_download_offline_says_so(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="hub is not reachable"):
        download_model(REPO, dest=tmp_path / "dl", endpoint="http://127.0.0.1:9")


@pytest.mark.perf
def test_download_cancel_is_prompt(tiny_custom_voice: Path, tmp_path: Path) -> None:
    from reader_app.models.download import DownloadCancelled

    cancel = threading.Event()

    def progress(done: int, total: int | None) -> None:
        if done > 0:
            cancel.set()

    with FakeHub(REPO, tiny_custom_voice, delay_per_chunk_s=0.3) as hub:
        started = time.monotonic()
        with pytest.raises(DownloadCancelled):
            download_model(REPO, dest=tmp_path / "dl", progress=progress, cancel_event=cancel,
                           endpoint=hub.endpoint)
        assert time.monotonic() - started < time_limit(15)  # the whole file would take ~17 s at this pace
