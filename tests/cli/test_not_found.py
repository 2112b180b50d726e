"""The same 'not found' gets the same exit code from every subcommand: a missing book file, model folder, voice or
clone recording is a usage error (exit 2, as argparse gives bad arguments; cli/errors.usage_error_types), said in
one line that names what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader_app.cli.errors import EXIT_USAGE
from reader_app.cli.main import main
from reader_app.resources import sample_book_path

BOOK = str(sample_book_path())
NO_BOOK, NO_MODEL, NO_VOICE, NO_WAV = "{tmp}/missing.epub", "{tmp}/no-model", "Nobody", "{tmp}/missing.wav"

CASES = {
    "book": [["play", NO_BOOK, "--output", "null"], ["pregen", NO_BOOK, "--model", "{cv}"], ["export", NO_BOOK],
             ["regen", NO_BOOK, "--at", "1:1"],
             ["parse", NO_BOOK], ["gui", NO_BOOK], ["screenshot", "{tmp}/shots", NO_BOOK], ["cache", NO_BOOK],
             [NO_BOOK], ["cache", "{tmp}/missing.db"]],
    "model": [["play", BOOK, "--output", "null", "--model", NO_MODEL], ["pregen", BOOK, "--model", NO_MODEL],
              ["export", BOOK, "--model", NO_MODEL], ["speak", "--model", NO_MODEL, "--text", "Hi.", "-o", "{out}"],
              ["voices", "clone", "--model", NO_MODEL, "--audio", "{wav}", "--name", "x"],
              ["voices", "design", "--model", NO_MODEL, "--description", "calm", "--name", "x"],
              ["voices", "preview", "Ryan", "--model", NO_MODEL, "-o", "{out}"], ["bench", "--model", NO_MODEL],
              ["regen", BOOK, "--at", "1:1", "--model", NO_MODEL]],
    "voice": [["play", BOOK, "--output", "null", "--model", "{cv}", "--voice", NO_VOICE],
              ["pregen", BOOK, "--model", "{cv}", "--voice", NO_VOICE],
              ["export", BOOK, "--model", "{cv}", "--voice", NO_VOICE],
              ["regen", BOOK, "--at", "1:1", "--model", "{cv}", "--voice", NO_VOICE],
              ["play", BOOK, "--output", "null", "--model", "{vd}", "--voice", NO_VOICE],
              ["speak", "--model", "{cv}", "--voice", NO_VOICE, "--text", "Hi.", "-o", "{out}"],
              ["voices", "preview", NO_VOICE, "--model", "{cv}", "-o", "{out}"],
              ["voices", "export", NO_VOICE, "{out}"], ["voices", "delete", NO_VOICE]],
    "recording": [["voices", "clone", "--model", "{base}", "--audio", NO_WAV, "--name", "x"],
                  ["speak", "--model", "{base}", "--ref-audio", NO_WAV, "--text", "Hi.", "-o", "{out}"]],
}
WALK = [(what, argv) for what, cases in CASES.items() for argv in cases]


@pytest.mark.parametrize("what, argv", WALK, ids=[f"{w}: {' '.join(a)}" for w, a in WALK])
def test_not_found_is_exit_2_in_one_line(what: str, argv: list[str], tmp_path: Path, tiny_custom_voice: Path,
                                         tiny_voice_design: Path, tiny_base: Path, capsys: pytest.CaptureFixture,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np
    import soundfile as sf

    monkeypatch.chdir(tmp_path)
    wav = tmp_path / "ref.wav"
    sf.write(wav, (0.3 * np.sin(np.arange(5 * 24_000) / 7)).astype(np.float32), 24_000)
    names = {"tmp": tmp_path, "cv": tiny_custom_voice, "vd": tiny_voice_design, "base": tiny_base, "wav": wav,
             "out": tmp_path / "out.wav"}
    try:
        code = main([arg.format(**names) for arg in argv])
    except SystemExit as exc:
        code = exc.code
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == EXIT_USAGE, lines
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in lines[0], lines
    named = {"book": "missing", "model": "no-model", "voice": NO_VOICE, "recording": "missing.wav"}[what]
    assert named.lower() in lines[0].lower()
    assert not (tmp_path / "out.wav").exists()
