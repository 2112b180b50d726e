"""`speak` and `make-checkpoint`: through our own parser in-process, and through `python -m reader_app`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from reader_app.cli.main import build_parser, main

REPO = Path(__file__).resolve().parents[2]
FAST = ["--greedy", "--threads", "1", "--max-frames-per-char", "0.3", "--margin-frames", "2"]


def _run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


def _assert_wav(path: Path) -> None:
    data, sr = sf.read(path, dtype="float32")
    assert sr == 24_000 and data.ndim == 1 and data.size > 0
    assert np.isfinite(data).all() and np.abs(data).max() > 0


@pytest.mark.parametrize("kind", ["custom_voice", "voice_design", "base"])
def test_speak_each_kind(kind: str, request: pytest.FixtureRequest, tmp_path: Path,
                         capsys: pytest.CaptureFixture) -> None:
    model = request.getfixturevalue(f"tiny_{kind}")
    out = tmp_path / "out.wav"
    extra: list[str] = []
    if kind == "custom_voice":
        extra = ["--voice", "Aiden", "--language", "English"]
    elif kind == "voice_design":
        extra = ["--description", "An old man with a raspy voice."]
    else:
        ref = tmp_path / "ref.wav"
        sf.write(ref, (0.3 * np.sin(np.arange(30_000) / 7)).astype(np.float32), 24_000)
        extra = ["--ref-audio", str(ref), "--ref-text", "Some reference words."]
    assert _run(["speak", "--model", str(model), "--text", "Hello there.", "-o", str(out), *FAST, *extra]) == 0
    _assert_wav(out)
    assert "random test weights" in capsys.readouterr().out


# Exit 2: something named that does not exist, or arguments that cannot be used; 1: input it cannot use.
@pytest.mark.parametrize("argv_tail, message, exit_code", [
    (["--model", "/no/such/folder"], "does not exist", 2),
    (["--model", "{tmp}"], "is not a Qwen3-TTS checkpoint", 1),
    (["--model", "{base}"], "pass --ref-audio", 2),
    (["--model", "{cv}", "--voice", "nobody"], "unknown voice 'nobody'", 2),
])
def test_speak_errors_are_one_line(argv_tail: list[str], message: str, exit_code: int, tmp_path: Path,
                                   tiny_base: Path, tiny_custom_voice: Path, capsys: pytest.CaptureFixture) -> None:
    argv = [a.format(tmp=tmp_path, base=tiny_base, cv=tiny_custom_voice) for a in argv_tail]
    code = main(["speak", *argv, "--text", "Hi.", "-o", str(tmp_path / "x.wav")])
    err = capsys.readouterr().err.strip()
    assert code == exit_code and err.startswith("error: ") and message in err and "\n" not in err
    assert not (tmp_path / "x.wav").exists()


def test_speak_without_model_uses_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      capsys: pytest.CaptureFixture) -> None:
    monkeypatch.delenv("READER_APP_MODEL", raising=False)
    assert main(["speak", "--text", "Hi.", "-o", str(tmp_path / "x.wav")]) == 2
    assert "no model" in capsys.readouterr().err


def test_make_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert _run(["make-checkpoint", "--kind", "voice_design", "--seed", "5", str(tmp_path / "vd")]) == 0
    from reader_app.models.catalog import inspect_model

    info = inspect_model(tmp_path / "vd")
    assert info.kind == "voice_design" and info.is_random_test_checkpoint
    assert "built a random tiny voice_design checkpoint" in capsys.readouterr().out


def test_main_cli_subprocess(tiny_custom_voice: Path, tmp_path: Path) -> None:
    if not (REPO / "reader_app" / "cli" / "main.py").is_file():
        pytest.skip("reader_app/cli/main.py not present yet")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = tmp_path / "main.wav"
    proc = subprocess.run([sys.executable, "-m", "reader_app", "speak", "--model", str(tiny_custom_voice),
                           "--text", "Hello.", "-o", str(out), *FAST], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=240)
    if proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr and "reader_app.tts" not in proc.stderr:
        pytest.skip(f"main CLI not runnable yet: {proc.stderr.strip().splitlines()[-1]}")
    assert proc.returncode == 0, proc.stderr
    _assert_wav(out)
    bad = subprocess.run([sys.executable, "-m", "reader_app", "speak", "--model", str(tmp_path / "none"),
                          "--text", "Hi.", "-o", str(out)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode != 0 and "does not exist" in bad.stderr
