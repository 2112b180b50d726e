"""`reader-app export` by subprocess on a tiny checkpoint: missing audio generated, then reused; the JSON
summary's keys; chapter ranges; and one-line errors for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mutagen

TINY = ["--threads", "1", "--engine-option", "max_frames=12"]
BOOK = ("Chapter 1\n\nThe first sentence is here. A second one follows.\n\nA new paragraph.\n\n"
        "Chapter 2\n\nThe second chapter starts. It ends.\n")


def cli(*args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reader_app", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_export_generates_what_is_missing_then_reuses_it(tiny_custom_voice: Path, tmp_path: Path) -> None:
    book = tmp_path / "two chapters.txt"
    book.write_text(BOOK, encoding="utf-8")
    out = tmp_path / "out.m4b"
    first = cli("export", str(book), "--model", str(tiny_custom_voice), "-o", str(out), "--json", *TINY)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert {"output", "chapters", "duration_s", "generated", "reused"} <= set(summary)
    assert summary["output"] == str(out) and summary["chapters"] == 2
    assert summary["generated"] == 7 and summary["reused"] == 0  # the headings are read too
    assert [c.title for c in mutagen.File(out).chapters] == ["Chapter 1", "Chapter 2"]

    again = cli("export", str(book), "--format", "opus", "-o", str(tmp_path / "out.opus"), "--json",
                "--chapters", "2-2")  # no model needed now: everything is cached
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["generated"] == 0 and summary["reused"] == 3 and summary["chapters"] == 1


def test_bad_export_requests_get_one_line(tmp_path: Path) -> None:
    book = tmp_path / "b.txt"
    book.write_text(BOOK.replace("It ends.", "It ends, never cached."), encoding="utf-8")
    for args, says in ((["--chapters", "7-9"], "chapters"), (["--bitrate", "loud"], "bitrate"),
                       ([], "no voice model is configured")):
        run = cli("export", str(book), "-o", str(tmp_path / "x.m4b"), *args)
        assert run.returncode != 0 and says in run.stderr, run.stderr
        assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert not list(tmp_path.glob("x.m4b*"))
