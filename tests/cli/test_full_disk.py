"""A full disk (RLIMIT_FSIZE in the child: a write past it fails with EFBIG, as on a full tmpfs) during `pregen`
and `play`, with a tiny checkpoint: one line, a non-zero exit for pregen, nothing lost, and a later run resumes."""

from __future__ import annotations

import json
import resource
from pathlib import Path

import pytest

from tests.support.cli import TINY, isolated_home, run_cli
from tests.support.epub import simple_book

SENTENCES = 10
# Room for the library, the book's sentences and a few clips (measured: two or three), not for ten.
FILE_SIZE_LIMIT = 140_000


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, resource.RLIM_INFINITY))


@pytest.fixture
def small_book(tmp_path: Path) -> str:
    # An EPUB that names its language, so opening it writes nothing (language detection unpacks a model file).
    words = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    body = "".join(f"<p>This is sentence number {w} of the book.</p>" for w in words[:SENTENCES])
    return str(simple_book(tmp_path / "small.epub", [("One", body)]))


def _clips(home, book: str) -> int:
    checked = run_cli(home, "cache", book, "--check", "--json", timeout=60)
    report = json.loads(checked.stdout)
    assert checked.returncode == 0 and report["ok"], checked.stdout + checked.stderr
    return report["clips"]


def test_pregen_on_a_full_disk_stops_in_one_line_keeps_what_it_stored_and_resumes(tmp_path, small_book,
                                                                                    tiny_custom_voice):
    home = isolated_home(tmp_path)
    model = ("--model", str(tiny_custom_voice), *TINY)
    full = run_cli(home, "pregen", small_book, *model, preexec_fn=_limit)
    assert full.returncode == 1, full.stderr
    errors = [line for line in full.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: Disk full"), full.stderr
    assert "Traceback" not in full.stderr
    stored = _clips(home, small_book)
    assert stored < SENTENCES

    if stored:  # what was stored plays, from the cache (the first sentences: pregen goes in reading order)
        played = run_cli(home, "play", small_book, *model, "--output", "null", "--json", "--sentences",
                         str(stored), timeout=60)
        rows = json.loads(played.stdout)["sentences"]
        assert [row.get("cached") for row in rows[:stored]] == [True] * stored, played.stdout

    again = run_cli(home, "pregen", small_book, *model)  # space is back
    assert again.returncode == 0, again.stderr
    assert f"Done: {SENTENCES - stored} generated" in again.stderr
    assert _clips(home, small_book) == SENTENCES


def test_play_on_a_full_disk_plays_on_from_memory_and_says_so_once(tmp_path, small_book, tiny_custom_voice):
    home = isolated_home(tmp_path)
    played = run_cli(home, "play", small_book, "--model", str(tiny_custom_voice), *TINY, "--output", "null",
                     "--json", "--sentences", "5", preexec_fn=_limit, timeout=180)
    assert played.returncode == 0, played.stderr
    assert json.loads(played.stdout)["sentences_played"] == 5
    said = [line for line in played.stderr.splitlines() if line.startswith("warning:") and "Disk full" in line]
    assert len(said) == 1, played.stderr  # once, not for every sentence
    assert "Traceback" not in played.stderr
