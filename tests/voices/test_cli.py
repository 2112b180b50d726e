"""`reader-app voices ...` end to end on tiny checkpoints (in-process, through the real parser)."""

from __future__ import annotations

import json

import soundfile as sf

from reader_app.cli.main import main
from tests.support.audio import SR, speechlike

FAST = ["--threads", "1", "--max-frames-per-char", "0.05", "--margin-frames", "6"]


def test_list_clone_export_import_delete(tmp_path, tiny_base, capsys):
    assert main(["voices", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {v["name"] for v in listed} >= {"Vivian", "Sohee", "Warm Storyteller"}
    audio = tmp_path / "me.ogg"
    sf.write(str(audio), speechlike(4.0, rate=32_000, channels=2), 32_000)
    assert main(["voices", "clone", "--model", str(tiny_base), "--audio", str(audio), "--text", "Hello.",
                 "--name", "Me", *FAST]) == 0
    captured = capsys.readouterr()
    assert "saved voice 'Me'" in captured.out and "note: Mixed 2 channels" in captured.err
    assert main(["voices", "export", "me", str(tmp_path / "me.voice")]) == 0
    assert main(["voices", "import", str(tmp_path / "me.voice"), "--name", "Me Too"]) == 0
    assert main(["voices", "delete", "Me Too"]) == 0
    assert main(["voices", "delete", "Vivian"]) == 1  # refused: it cannot be done (2 is for what is not there)
    assert "built-in" in capsys.readouterr().err


def test_bad_inputs_exit_1_with_a_message(tmp_path, tiny_base, capsys):
    """Input the command cannot use: exit 1 (a name that does not exist is 2, tests/cli/test_not_found.py)."""
    silent = tmp_path / "silent.wav"
    sf.write(str(silent), speechlike(4.0) * 0, SR)
    assert main(["voices", "clone", "--model", str(tiny_base), "--audio", str(silent), "--name", "X", *FAST]) == 1
    assert "silent" in capsys.readouterr().err
    junk = tmp_path / "junk.voice"
    junk.write_bytes(b"nope")
    assert main(["voices", "import", str(junk)]) == 1
    assert "not a readable zip" in capsys.readouterr().err


def test_design_description_only_and_with_clone(tmp_path, tiny_voice_design, tiny_base, capsys):
    assert main(["voices", "design", "--model", str(tiny_voice_design), "--description", "A calm voice.",
                 "--name", "Calm"]) == 0
    assert "description only" in capsys.readouterr().out
    assert main(["voices", "design", "--model", str(tiny_voice_design), "--description", "A calm voice.",
                 "--name", "Calm Fixed", "--clone-model", str(tiny_base), "--threads", "1",
                 "--max-frames-per-char", "0.5", "--margin-frames", "6"]) == 0
    assert "designed, then fixed as a clone" in capsys.readouterr().out


def test_list_survives_a_nested_voice_json(user_voices, capsys):
    (user_voices / "deep").mkdir()
    (user_voices / "deep" / "voice.json").write_text("[" * 3000 + "]" * 3000)
    assert main(["voices", "list"]) == 0
    assert "Vivian" in capsys.readouterr().out
