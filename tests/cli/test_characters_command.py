"""`reader-app characters` end to end in a subprocess: the characters found with their line counts (JSON: name
and lines), cached in the book's cache, a voice assigned, a line corrected, --refresh keeping corrections,
one-line errors with their exit codes; the narration config then gives that character's lines that voice."""

from __future__ import annotations

import json

from reader_app.books import load_book
from reader_app.narration.session import book_narration_config
from reader_app.settings import Settings
from reader_app.store import Library
from tests.support.cli import isolated_home, run_cli

TEXT = ("The Tea\n\n"
        "The rain had not stopped for three days when Alice came down to the kitchen.\n\n"
        "“Is there any tea left?” asked Alice.\n\n"
        "“Only the green one,” Bob replied. “I finished the black yesterday.”\n\n"
        "“Then green it is.”\n\n"
        "“You could go to the shop.”\n\n"
        "Alice laughed. “In this weather? Not a chance.”\n")


def _characters(home, *args: str) -> list[dict]:
    done = run_cli(home, "characters", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_characters_end_to_end(tmp_path, monkeypatch):
    home = isolated_home(tmp_path)
    book = tmp_path / "tea.txt"
    book.write_text(TEXT, encoding="utf-8")
    first = run_cli(home, "characters", str(book), "--json")
    assert first.returncode == 0, first.stderr
    assert "found the speakers" in first.stderr
    found = json.loads(first.stdout)
    assert [(c["name"], c["lines"]) for c in found] == [("Alice", 3), ("Bob", 3)]
    again = run_cli(home, "characters", str(book), "--json")
    assert "found the speakers" not in again.stderr and json.loads(again.stdout) == found  # read from the cache

    # "Then green it is." (chapter 1, sentence 5 counting the heading's chapter text) is Bob's, says the reader.
    parsed = load_book(book)
    target = next(s for s in parsed.sentences() if s.text == "“Then green it is.”")
    spec = f"{target.chapter_index + 1}:{target.index + 1}"
    after = _characters(home, str(book), "--speaker", f"{spec}=Bob", "--assign", "Alice=Vivian")
    assert {c["name"]: (c["lines"], c["voice"]) for c in after} == {"Alice": (2, "Vivian"), "Bob": (4, None)}
    refreshed = _characters(home, str(book), "--refresh")
    assert {c["name"]: c["lines"] for c in refreshed} == {"Alice": 2, "Bob": 4}

    text = run_cli(home, "characters", str(book))
    assert text.returncode == 0 and "Alice" in text.stdout and "Vivian" in text.stdout

    monkeypatch.setenv("XDG_DATA_HOME", str(home.root / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home.root / "config"))
    with Library(home.data_dir) as library:
        config = book_narration_config(Settings(), library, parsed, None)
    voiced = config.studio.character_voices
    alice = {s.id for s in parsed.sentences() if s.text.startswith(("“Is there", "“In this"))}
    assert set(voiced) == alice and {v.speaker for v in voiced.values()} == {"vivian"}


def test_characters_errors_are_one_line(tmp_path):
    home = isolated_home(tmp_path)
    book = tmp_path / "tea.txt"
    book.write_text(TEXT, encoding="utf-8")
    for args, code, words in (((str(tmp_path / "none.txt"),), 2, "none.txt"),
                              ((str(book), "--speaker", "9:1=Bob"), 2, "the book has 1 chapters"),
                              ((str(book), "--speaker", "one=Bob"), 2, "CHAPTER:SENTENCE"),
                              ((str(book), "--assign", "Alice"), 2, "NAME=VALUE"),
                              ((str(book), "--assign", "Alice=No Such Voice"), 2, "no voice called"),
                              ((str(book), "--chat"), 1, "no attribution endpoint is configured")):
        done = run_cli(home, "characters", *args)
        assert done.returncode == code, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert lines[-1].startswith("error: ") and words in lines[-1], (args, done.stderr)
