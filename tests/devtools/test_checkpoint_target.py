"""`reader-app make-checkpoint` writes only into a new or empty folder or over a random checkpoint of the same kind;
anything else needs --force (which replaces the folder's contents)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reader_app.cli.main import main
from reader_app.devtools.checkpoint import check_target
from reader_app.devtools.checkpoint_spec import MARKER_FILE
from reader_app.models.catalog import inspect_model


def run(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def test_another_kinds_checkpoint_is_refused_and_left_as_it_was(tiny_custom_voice: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "ckpt"
    shutil.copytree(tiny_custom_voice, out)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    code, err = run(["make-checkpoint", "--kind", "base", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "holds a random custom_voice checkpoint" in err and "--force" in err
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert inspect_model(out).kind == "custom_voice"


@pytest.mark.parametrize("content, says", [
    ({"notes.txt": "mine"}, "other files"),
    ({"config.json": json.dumps({"model_type": "qwen3_tts", "tts_model_type": "base"})}, "not a random test"),
])
def test_a_folder_of_other_files_or_a_real_model_is_refused(content: dict[str, str], says: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "folder"
    out.mkdir()
    for name, text in content.items():
        (out / name).write_text(text)
    code, err = run(["make-checkpoint", "--kind", "base", str(out)], capsys)
    assert code == 2 and says in err
    assert sorted(p.name for p in out.iterdir()) == sorted(content)


def test_what_may_be_written_without_force(tiny_custom_voice: Path, tmp_path: Path) -> None:
    check_target(tmp_path / "new", "base")  # does not exist yet
    (tmp_path / "empty").mkdir()
    check_target(tmp_path / "empty", "base")
    check_target(tiny_custom_voice, "custom_voice")  # the same kind: rebuilt in place
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        check_target(tmp_path / "file", "base", force=True)


def test_force_writes_the_checkpoint_over_another(tiny_custom_voice: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "folder"
    shutil.copytree(tiny_custom_voice, out)
    (out / "model-00002-of-00002.safetensors").write_bytes(b"stale shard")  # would be read with the new weights
    (out / "notes.txt").write_text("mine\n")
    code, err = run(["make-checkpoint", "--kind", "voice_design", "--force", str(out)], capsys)
    assert code == 0, err
    assert not (out / "model-00002-of-00002.safetensors").exists()
    assert (out / "notes.txt").read_text() == "mine\n"  # not the checkpoint's: left alone
    assert json.loads((out / MARKER_FILE).read_text())["kind"] == "voice_design"
    assert inspect_model(out).kind == "voice_design"
