"""The benchmark's generators make books the parser reads as intended (the full run is manual)."""

from __future__ import annotations

from reader_app.books import load_book
from reader_app.devtools.bench.books import main, make_epub, make_txt


def test_generated_books_parse(tmp_path):
    txt = load_book(make_txt(tmp_path / "b.txt", size=100_000))
    assert len(txt.chapters) == 3 and txt.tts_language == "English"
    epub = load_book(make_epub(tmp_path / "b.epub", chapters=5, paragraphs=3))
    assert [c.title for c in epub.chapters] == [f"Chapter {i}" for i in range(1, 6)]
    assert not any(s.text == "A note." for s in epub.sentences())  # footnotes are left out


def test_bench_main_runs(monkeypatch, capsys):
    from reader_app.devtools.bench import books as bench

    monkeypatch.setattr(bench, "make_txt", lambda path: make_txt(path, size=20_000))
    monkeypatch.setattr(bench, "make_epub", lambda path: make_epub(path, chapters=3, paragraphs=2))
    assert main(["--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "TXT 1 MB" in out and "EPUB 300 chapters" in out
