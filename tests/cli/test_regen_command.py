"""`reader-app regen` end to end on a tiny checkpoint, by subprocess over its own user folders: new takes are
made, stored side by side and the chosen one kept; `--keep K` alone switches without a model; `play` then
replays the kept take from the cache; bad requests are one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import reader_app.store.codec as codec
from reader_app.books import load_book
from reader_app.store import Library
from tests.support.cli import TINY, Home, isolated_home, run_cli

BOOK = "Chapter 1\n\nThe first sentence is here. A second one follows.\n\nA new paragraph.\n"


def _book(tmp_path: Path) -> Path:
    path = tmp_path / "takes.txt"
    path.write_text(BOOK, encoding="utf-8")
    return path


def _play_one(home: Home, book: Path, at: str) -> dict:
    """play one sentence with no model: only a cached clip can be heard."""
    run = run_cli(home, "play", str(book), "--from", at, "--sentences", "1", "--output", "null", "--json")
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)["sentences"][0]


def test_regen_makes_takes_keeps_one_and_play_uses_it(tiny_custom_voice: Path, tmp_path: Path) -> None:
    home, book = isolated_home(tmp_path), _book(tmp_path)
    made = run_cli(home, "regen", str(book), "--at", "1:2", "--takes", "2", "--json",
                   "--model", str(tiny_custom_voice), *TINY, timeout=300)
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert result["takes"] == [1, 2] and result["kept"] == 2 and result["made"] == 3
    assert result["sentence"]["text"] == "The first sentence is here." and result["sentence"]["chapter"] == 1

    switched = run_cli(home, "regen", str(book), "--at", "1:2", "--keep", "1", "--json")  # no model needed
    assert switched.returncode == 0, switched.stderr
    assert json.loads(switched.stdout)["takes"] == [] and json.loads(switched.stdout)["kept"] == 1

    # Both takes are in the cache, different audio; the kept one is what play hears (take 0 was never made).
    library = Library(home.data_dir)
    try:
        parsed = load_book(book)
        cache = library.open_book_cache(parsed)
        sid = parsed.sentences()[1].id
        assert cache.takes.get(sid).kept == 1 and cache.takes.kept() == {sid: 1}
        clips = cache.stats().clips
        assert clips == 2
        cache.close()
    finally:
        library.close()
    heard = _play_one(home, book, "1:2")
    assert heard.get("cached") is True and "skipped" not in heard, heard
    back = run_cli(home, "regen", str(book), "--at", "1:2", "--keep", "0")
    assert back.returncode == 0 and "keeping take 0" in back.stderr, back.stderr
    assert "skipped" in _play_one(home, book, "1:2")  # the original take was never generated


def test_regen_takes_are_new_draws(tiny_custom_voice: Path, tmp_path: Path) -> None:
    home, book = isolated_home(tmp_path), _book(tmp_path)
    for args in (["--takes", "1"], ["--takes", "1"]):
        run = run_cli(home, "regen", str(book), "--at", "1:3", "--model", str(tiny_custom_voice), *TINY, *args,
                      timeout=300)
        assert run.returncode == 0, run.stderr
    library = Library(home.data_dir)
    try:
        parsed = load_book(book)
        with library.open_book_cache(parsed) as cache:
            assert cache.takes.get(parsed.sentences()[2].id).made == 3
            rows = cache._conns.conn.execute("SELECT codec, data, sample_rate, n_samples FROM clips").fetchall()
    finally:
        library.close()
    assert len(rows) == 2  # take 1 and take 2, each its own clip
    first, second = (codec.decode(*row).samples for row in rows)
    assert not (len(first) == len(second) and np.array_equal(first, second))


def test_bad_regen_requests_are_one_line(tmp_path: Path) -> None:
    home, book = isolated_home(tmp_path), _book(tmp_path)
    for args, says in ((["--at", "9:1"], "--at 9:1"), (["--at", "x"], "--at wants CHAPTER:SENTENCE"),
                       (["--at", "1:2", "--keep", "4"], "--keep 4"),
                       (["--at", "1:2"], "regen needs a model"),
                       (["--at", "1:2", "--takes", "0"], "--takes")):
        run = run_cli(home, "regen", str(book), *args)
        assert run.returncode == 2 and says in run.stderr, (args, run.stderr)
        assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    missing = run_cli(home, "regen", str(tmp_path / "nope.txt"), "--at", "1:1")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
