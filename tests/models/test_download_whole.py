"""A hub download is whole or absent: it is made in a hidden sibling folder and renamed into place once it is a
usable checkpoint; a failure leaves nothing behind and says why. The "hub" is a local folder served by FakeHub."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reader_app.models.catalog import download_model, find_installed_models, inspect_model
from reader_app.models.download import partial_folder
from reader_app.tts.engine import EngineError
from tests.support.hub import FakeHub

REPO = "Qwen/Qwen3-TTS-12Hz-0.6B-CustomVoice"


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir()) if parent.is_dir() else []


def test_an_unreachable_hub_leaves_no_folder(tmp_path: Path) -> None:
    dest = tmp_path / "models" / "dl"
    with pytest.raises(EngineError, match="hub is not reachable"):
        download_model(REPO, dest=dest, endpoint="http://127.0.0.1:9")
    assert not dest.exists()  # it used to be left there, empty, and listed as a broken model folder
    assert leftovers(dest.parent) == []


def test_a_download_that_is_no_checkpoint_is_removed_and_said(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "config.json").write_text(json.dumps({"model_type": "qwen3_tts"}))
    (served / "README.md").write_text("not a model\n")
    dest = tmp_path / "models" / "dl"
    with FakeHub(REPO, served) as hub, pytest.raises(EngineError, match="not a usable checkpoint") as caught:
        download_model(REPO, dest=dest, endpoint=hub.endpoint)
    assert "missing" in str(caught.value)  # why: what the folder lacks
    assert not dest.exists() and not partial_folder(dest).exists()
    assert leftovers(dest.parent) == []


def test_a_complete_download_appears_at_once_in_place(tiny_custom_voice: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_APP_MODELS_DIR", str(tmp_path / "models"))
    dest = tmp_path / "models" / "cv"
    dest.mkdir(parents=True)  # an empty folder left by an older failed download is replaced
    seen: list[bool] = []

    def progress(done: int, total: int | None) -> None:
        seen.append(dest.is_dir() and any(dest.iterdir()))  # never a half-filled model folder

    with FakeHub(REPO, tiny_custom_voice) as hub:
        folder = download_model(REPO, dest=dest, progress=progress, endpoint=hub.endpoint)
    assert folder == dest and inspect_model(dest).model_id == inspect_model(tiny_custom_voice).model_id
    assert seen and not any(seen)
    assert leftovers(dest.parent) == ["cv"] and [i.path for i in find_installed_models()] == [dest]


def test_a_folder_holding_other_files_is_refused_untouched(tiny_custom_voice: Path, tmp_path: Path) -> None:
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine\n")
    with FakeHub(REPO, tiny_custom_voice) as hub, pytest.raises(EngineError, match="holds other files"):
        download_model(REPO, dest=dest, endpoint=hub.endpoint)
    assert leftovers(dest) == ["notes.txt"] and not partial_folder(dest).exists()
    assert not hub.requests  # refused before anything was fetched


def test_a_checkpoint_is_replaced_only_once_the_new_one_is_whole(tiny_custom_voice: Path, tmp_path: Path) -> None:
    dest = tmp_path / "cv"
    shutil.copytree(tiny_custom_voice, dest)
    with pytest.raises(EngineError):
        download_model(REPO, dest=dest, endpoint="http://127.0.0.1:9")
    assert inspect_model(dest).model_id == inspect_model(tiny_custom_voice).model_id  # the old one stays
    with FakeHub(REPO, tiny_custom_voice) as hub:
        assert download_model(REPO, dest=dest, endpoint=hub.endpoint) == dest
    assert leftovers(tmp_path) == ["cv"]
