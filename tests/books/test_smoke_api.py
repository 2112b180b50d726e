"""The public API others code against: load_book, BookError, PARSER_VERSION, the parse subcommand."""

from __future__ import annotations

import json

import pytest

from reader_app.books import PARSER_VERSION, Book, BookError, load_book
from reader_app.cli.main import build_parser
from tests.support.epub import simple_book


def test_load_txt_and_epub(tmp_path):
    txt = tmp_path / "b.txt"
    txt.write_text("Chapter 1\n\nHello there. Mr. Smith said hi.\n\nChapter 2\n\nThe end.\n", encoding="utf-8")
    book = load_book(txt)
    assert isinstance(book, Book) and book.format == "txt" and book.parser_version == PARSER_VERSION
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    epub = simple_book(tmp_path / "b.epub", [("One", "<p>First sentence here. Second one.</p>")])
    assert load_book(epub).format == "epub"


def test_book_error_is_one_line(tmp_path):
    bad = tmp_path / "bad.epub"
    bad.write_bytes(b"this is not a zip\n" * 10)
    with pytest.raises(BookError) as info:
        load_book(bad)
    assert "\n" not in str(info.value) and "EPUB" in str(info.value)


def _run(argv, capsys):
    args = build_parser().parse_args(argv)
    code = args.handler(args)
    return code, capsys.readouterr()


def test_cli_parse_text_and_json(tmp_path, capsys):
    txt = tmp_path / "b.txt"
    txt.write_text("Chapter 1\n\nHello there. Bye now.\n", encoding="utf-8")
    code, out = _run(["parse", str(txt)], capsys)
    assert code == 0 and "Chapter 1" in out.out and "3 sentences" in out.out
    code, out = _run(["parse", str(txt), "--json"], capsys)
    data = json.loads(out.out)
    assert code == 0
    assert set(data) == {
        "title", "authors", "language", "tts_language", "format", "fingerprint", "parser_version", "warnings",
        "chapters",
    }
    assert data["warnings"] == []
    sentence = data["chapters"][0]["sentences"][1]
    assert set(sentence) == {"id", "text", "paragraph_index"} and sentence["text"] == "Hello there."


def test_cli_parse_error(tmp_path, capsys):
    from reader_app.cli.main import main

    # A missing file is reported by the command line's one error handler (exit 2, cli/errors.py).
    code = main(["parse", str(tmp_path / "missing.epub")])
    out = capsys.readouterr()
    assert code != 0 and out.err.count("\n") == 1 and "no such book file" in out.err.lower()
