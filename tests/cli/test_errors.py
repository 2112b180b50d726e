"""Every subcommand given bad arguments (missing files, folders, garbage, bad ranges and values) fails with exit
code != 0 and one line on stderr, never a traceback, unless --debug or READER_APP_DEBUG=1 asks for one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader_app.cli.main import build_parser, main
from reader_app.resources import sample_book_path
from tests.support.cli import isolated_home, run_cli

BOOK = str(sample_book_path())

# (argv, ...) with placeholders: MISSING (no such file), DIR (a folder), JUNK (garbage named .epub), JUNK_DB
# (garbage named .db), TEXT (an existing text file that is no output folder), TINY (a tiny checkpoint).
CASES = [
    ["gui", "MISSING.epub"], ["gui", "DIR"], ["MISSING.epub"],
    ["parse", "MISSING.epub"], ["parse", "DIR"], ["parse", "JUNK"], ["parse"],
    ["play", "MISSING.epub"], ["play", "DIR"], ["play", "JUNK"],
    ["play", BOOK, "--output", "null", "--from", "0:0"], ["play", BOOK, "--output", "null", "--from", "x"],
    ["play", BOOK, "--output", "null", "--sentences", "-1"], ["play", BOOK, "--sentences", "abc"],
    ["play", BOOK, "--speed", "nan"], ["play", BOOK, "--speed", "9"], ["play", BOOK, "--speed", "fast"],
    ["play", BOOK, "--engine-option", "foo"], ["play", BOOK, "--output", "bogus"],
    ["play", BOOK, "--output", "null", "--model", "MISSING"], ["play", BOOK, "--output", "null", "--model", "DIR"],
    ["pregen", "MISSING.epub"], ["pregen", BOOK], ["pregen", BOOK, "--model", "DIR"],
    ["pregen", BOOK, "--model", "TINY", "--chapters", "9-9"], ["pregen", BOOK, "--model", "TINY", "--chapters", "x"],
    ["pregen", BOOK, "--model", "TINY", "--chapters", "2-1"],
    ["export", "MISSING.epub"], ["export", "DIR"],
    ["regen", "MISSING.epub", "--at", "1:1"], ["regen", BOOK, "--at", "0:0"], ["regen", BOOK, "--at", "x"],
    ["regen", BOOK, "--at", "1:1"], ["regen", BOOK, "--at", "1:1", "--takes", "0"],
    ["regen", BOOK, "--at", "1:1", "--keep", "3"], ["regen", BOOK, "--at", "1:1", "--model", "DIR"],
    ["voices", "bogus"], ["voices", "list", "--bogus"],
    ["voices", "clone", "--model", "DIR", "--audio", "MISSING.wav", "--name", "x"],
    ["voices", "design", "--model", "DIR", "--description", "calm", "--name", ""],
    ["voices", "preview", "nobody", "--model", "DIR", "-o", "out.wav"],
    ["voices", "export", "nobody", "out.voice"], ["voices", "import", "MISSING.voice"], ["voices", "import", "DIR"],
    ["voices", "import", "JUNK"], ["voices", "delete", "nobody"],
    ["speak", "--text", "hi", "-o", "out.wav"], ["speak", "--model", "DIR", "--text", "hi", "-o", "out.wav"],
    ["speak", "--model", "TINY", "--text", " ", "-o", "out.wav"],
    ["lexicon"], ["lexicon", "bogus"], ["lexicon", "add", "(a", "x", "--regex"], ["lexicon", "list", "--book", "DIR"],
    ["lexicon", "import", "JUNK"], ["lexicon", "import", "MISSING.tsv"], ["lexicon", "remove", "nothing"],
    ["lexicon", "export", "DIR"],
    ["characters", "MISSING.epub"], ["characters", "DIR"], ["characters", "JUNK"],
    ["characters", BOOK, "--assign", "nobody"], ["characters", BOOK, "--assign", "Alice=no such voice"],
    ["characters", BOOK, "--speaker", "x=Alice"], ["characters", BOOK, "--speaker", "999:1=Alice"],
    ["characters", BOOK, "--chat"],
    ["cache", "MISSING.epub"], ["cache", "DIR"], ["cache", "JUNK"], ["cache", "JUNK_DB"], ["cache", "MISSING.db"],
    ["bench", "--model", "MISSING"], ["bench", "--model", "DIR"],
    ["serve"], ["serve", "--model", "DIR"], ["serve", "--model", "TINY", "--host", "0.0.0.0"],
    ["serve", "--model", "TINY", "--max-batch", "0"], ["play", BOOK, "--output", "null", "--engine", "remote"],
    ["screenshot", "TEXT"], ["screenshot", "shots", "MISSING.epub"],
    ["make-checkpoint", "--kind", "custom_voice", "TEXT"], ["make-checkpoint", "--kind", "bogus", "out"],
]


@pytest.fixture
def place(tmp_path: Path, tiny_custom_voice: Path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "junk.epub").write_bytes(b"this is not a zip archive" * 40)
    (tmp_path / "junk.db").write_bytes(b"neither is this a database" * 40)
    (tmp_path / "notes.txt").write_text("an ordinary file\n")
    names = {"MISSING": str(tmp_path / "missing"), "DIR": str(tmp_path / "folder"),
             "JUNK_DB": str(tmp_path / "junk.db"), "JUNK": str(tmp_path / "junk.epub"),
             "TEXT": str(tmp_path / "notes.txt"), "TINY": str(tiny_custom_voice)}

    def fill(argv: list[str]) -> list[str]:
        out = []
        for arg in argv:
            for name, value in names.items():
                if arg.startswith(name):
                    arg = value + arg[len(name):]
                    break
            out.append(arg)
        return out

    old = os.getcwd()
    os.chdir(tmp_path)  # relative outputs (out.wav, shots) land here
    yield fill
    os.chdir(old)


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(c).replace(BOOK, "BOOK") for c in CASES])
def test_bad_arguments_fail_in_one_line_without_a_traceback(argv, place, capsys):
    try:
        code = main(place(argv))
    except SystemExit as exc:  # argparse
        code = exc.code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code not in (0, None), err
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith(("error:", "reader-app"))


def test_every_subcommand_is_walked():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    walked = {argv[0] for argv in CASES}
    assert set(commands) <= walked | {"gui"}, set(commands) - walked
    for command in ("voices", "lexicon"):
        actions = commands[command]._subparsers._group_actions[0].choices
        assert set(actions) <= {argv[1] for argv in CASES if argv[0] == command and len(argv) > 1}


def test_a_name_that_is_not_utf8_is_named_in_one_line(tmp_path):
    home = isolated_home(tmp_path)
    missing = os.fsencode(tmp_path) + b"/caf\xe9.epub"
    for argv in (["parse", missing], ["play", missing, "--output", "null"], ["gui", missing], [missing]):
        result = run_cli(home, *argv, timeout=60)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert result.returncode != 0 and len(lines) == 1, result.stderr
        assert "caf" in lines[0] and "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    home = isolated_home(tmp_path)
    quiet = run_cli(home, "voices", "import", str(tmp_path), timeout=60)
    assert quiet.returncode != 0 and "Traceback" not in quiet.stderr
    for argv, env in ((["--debug", "play", str(tmp_path / "missing.epub")], {}),
                      (["play", str(tmp_path / "missing.epub"), "--debug"], {}),
                      (["play", str(tmp_path / "missing.epub")], {"READER_APP_DEBUG": "1"})):
        home_env = dict(home.env, **env)
        result = subprocess.run([sys.executable, "-m", "reader_app", *argv], capture_output=True, text=True,
                                timeout=60, env=home_env)
        assert result.returncode != 0 and "Traceback" in result.stderr, (argv, result.stderr)
