"""`reader-app cache BOOK [--check] [--json]` through an argparse parser built here."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

import reader_app.books
from reader_app.cli.cache_command import run_cache
from reader_app.cli.main import build_parser
from reader_app.store import ClipKey, Library
from tests.support.audio import noise_clip
from tests.support.books import make_book


class FakeBookError(Exception):
    pass


@pytest.fixture
def cli(monkeypatch, tmp_path):
    """Parse and run `cache ...` with load_book returning our in-memory book (the parser is not under test)."""
    book = make_book()
    book_error = getattr(reader_app.books, "BookError", FakeBookError)

    def load_book(path):
        if "missing" in str(path):
            raise book_error(f"No such file: {path}")
        return book

    monkeypatch.setattr(reader_app.books, "load_book", load_book, raising=False)
    monkeypatch.setattr(reader_app.books, "BookError", book_error, raising=False)
    parser = build_parser()
    data_dir = tmp_path / "data"
    monkeypatch.chdir(tmp_path)  # the book files named below exist (cache checks that first), "missing" ones not
    (tmp_path / "book.txt").write_text("stands for the in-memory book", encoding="utf-8")

    def run(*argv: str) -> int:
        args = parser.parse_args(["cache", *argv, "--data-dir", str(data_dir)])
        assert args.handler is run_cache
        return args.handler(args)

    run.book = book
    run.data_dir = data_dir
    return run


def fill(cli) -> None:
    with Library(cli.data_dir) as lib, lib.open_book_cache(cli.book) as cache:
        for i in range(3):
            cache.put_clip(ClipKey.build(f"s{i}", "v", "m"), noise_clip(2.0, seed=i))


def test_human_readable(cli, capsys):
    fill(cli)
    assert cli("book.txt") == 0
    out = capsys.readouterr().out
    assert "Test Book" in out and "sentences:     10" in out and "clips cached:  3" in out
    assert "0:00:06 (6.0 s)" in out and "size on disk:" in out


def test_json_and_check(cli, capsys):
    fill(cli)
    assert cli("book.txt", "--json", "--check") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sentences"] == 10 and data["clips"] == 3 and data["audio_seconds"] == 6.0
    assert data["size_bytes"] > 0 and data["ok"] is True and data["problems"] == []


def test_json_without_check_has_no_ok(cli, capsys):
    fill(cli)
    assert cli("book.txt", "--json") == 0
    assert set(json.loads(capsys.readouterr().out)) == {"sentences", "clips", "audio_seconds", "size_bytes"}


def test_no_cache_yet(cli, capsys):
    assert cli("book.txt", "--json", "--check") == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {"sentences": 10, "clips": 0, "audio_seconds": 0.0, "size_bytes": 0, "ok": True, "problems": []}
    assert not Library.cache_path_for(cli.book.fingerprint, cli.data_dir).exists()


def test_check_fails_on_damage(cli, capsys):
    fill(cli)
    conn = sqlite3.connect(Library.cache_path_for(cli.book.fingerprint, cli.data_dir))
    conn.execute("UPDATE clips SET crc32 = crc32 + 1 WHERE rowid = 1")
    conn.commit()
    conn.close()
    assert cli("book.txt", "--check") == 1
    assert "1 problem(s)" in capsys.readouterr().out
    assert cli("book.txt", "--check", "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and "checksum" in data["problems"][0]


def test_cache_file_given_directly(cli, capsys):
    fill(cli)
    path = Library.cache_path_for(cli.book.fingerprint, cli.data_dir)
    assert cli(str(path), "--json") == 0
    assert json.loads(capsys.readouterr().out)["clips"] == 3


def test_unreadable_book_is_a_clear_error(cli, capsys, tmp_path):
    with pytest.raises(FileNotFoundError, match="No such book file: absent.epub"):  # main() says it, exit 2
        cli("absent.epub")
    (tmp_path / "missing.epub").write_bytes(b"there, but the stand-in loader refuses it")
    assert cli("missing.epub") == 2
    assert "error: cannot open missing.epub" in capsys.readouterr().err
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"x" * 5000)
    assert cli(str(junk)) == 2
    assert "error:" in capsys.readouterr().err


def test_with_the_real_book_loader(tmp_path, capsys):
    books = pytest.importorskip("reader_app.books")
    if not hasattr(books, "load_book"):
        pytest.skip("reader_app.books.load_book not available")
    txt = tmp_path / "novel.txt"
    txt.write_text("Chapter 1\n\nIt was a dark night. The wind howled.\n\nShe waited by the door.\n", encoding="utf-8")
    book = books.load_book(txt)
    data_dir = tmp_path / "data"
    with Library(data_dir) as lib, lib.open_book_cache(book) as cache:
        first = book.sentences()[0]
        cache.put_clip(ClipKey.build(first.text, "v", "m"), noise_clip(1.5), sentence_id=first.id)
    parser = build_parser()
    args = parser.parse_args(["cache", str(txt), "--check", "--json", "--data-dir", str(data_dir)])
    assert args.handler(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sentences"] == book.sentence_count() and data["clips"] == 1 and data["ok"] is True
    assert data["audio_seconds"] == 1.5


def damage_pages(path, seed: int, count: int) -> None:
    import os
    import random

    rng = random.Random(seed)
    pages = os.path.getsize(path) // 4096
    with open(path, "r+b") as f:
        for page in rng.sample(range(2, pages), count):
            f.seek((page - 1) * 4096)
            f.write(rng.randbytes(4096))


def test_check_names_the_damage_and_repair_keeps_every_intact_clip(cli, capsys):
    keys = [ClipKey.build(f"s{i}", "v", "m") for i in range(30)]
    with Library(cli.data_dir) as lib, lib.open_book_cache(cli.book) as cache:
        for i, k in enumerate(keys):
            cache.put_clip(k, noise_clip(1.0 + i % 3, seed=i))
        originals = {k.digest: cache.get_clip(k).samples for k in keys}
    path = Library.cache_path_for(cli.book.fingerprint, cli.data_dir)
    damage_pages(path, seed=11, count=5)
    assert cli("book.txt", "--check", "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"sentences", "clips", "audio_seconds", "size_bytes", "ok", "problems"}
    assert data["ok"] is False and data["problems"]
    assert any(p.startswith("clip ") or "(table " in p or "(index " in p for p in data["problems"]), data
    assert cli("book.txt", "--repair", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["problems"] == []
    repair = data["repair"]
    assert repair["kept"] == data["clips"] >= 15 and repair["kept"] + len(repair["dropped"]) <= 30
    with Library(cli.data_dir) as lib, lib.open_book_cache(cli.book) as cache:
        kept = 0
        for k in keys:
            clip = cache.get_clip(k)
            if clip is not None:
                np.testing.assert_array_equal(clip.samples, originals[k.digest])
                kept += 1
        assert kept == repair["kept"]
    assert cli("book.txt", "--repair") == 0
    assert "no damage found" in capsys.readouterr().out


def test_unopenable_cache_is_reported_and_repair_starts_it_anew(cli, capsys):
    fill(cli)
    path = Library.cache_path_for(cli.book.fingerprint, cli.data_dir)
    with open(path, "r+b") as f:
        f.write(b"\x00" * 4096)
    assert cli("book.txt", "--check", "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and "damaged" in data["problems"][0] and "--repair" in data["problems"][0]
    assert cli("book.txt", "--repair") == 0
    out = capsys.readouterr().out
    assert "set aside as" in out and "check:         OK" in out
    assert path.with_name(path.name + ".damaged").exists()
    assert cli(str(path), "--check") == 0
    with open(path, "r+b") as f:  # and by the file's name alone: its book id is its name
        f.write(b"\x00" * 4096)
    assert cli(str(path), "--check") == 1
    assert cli(str(path), "--repair") == 0
