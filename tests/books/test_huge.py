"""Huge books and huge structures: linear time, bounded memory, the caps of books/limits.py, clear refusals."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reader_app.books import BookError, load_book
from reader_app.books.limits import (
    MAX_CHAPTERS,
    MAX_PARAGRAPHS,
    MAX_SENTENCES,
    MAX_SPINE_ENTRIES,
    MAX_TITLE_CHARS,
    MAX_TOC_ENTRIES,
)
from tests.support.epub import Doc, EpubSpec, build_epub
from tests.support.parse_probe import needs_proc, probe_parse, timed_load
from tests.support.perf import PARSE_BOUND_S, time_limit

MEMORY_LIMIT_MB = 500


def _within_bounds(result: dict) -> None:
    assert result["seconds"] < time_limit(PARSE_BOUND_S), result
    assert result["peak_mb"] - result["base_mb"] < MEMORY_LIMIT_MB, result


def _varied_markup(make_block, size: int) -> bytes:
    """About `size` bytes of XHTML body that deflates like real text (so it is not refused as a zip bomb):
    a 512 kB block of random words, repeated (beyond the 32 kB deflate window, repeats do not compress)."""
    rng = random.Random(3)
    words = "the a fox ran sat on mat red big old new house tree sky blue he she it was is of and".split()
    block = bytearray()
    while len(block) < 512 * 1024:
        block += make_block(lambda n: " ".join(rng.choice(words) for _ in range(n)))
    return b"<html><body>" + bytes(block) * (size // len(block)) + b"</body></html>"


def _spine_book(path: Path, itemrefs: int, items: int) -> Path:
    """`items` manifest entries over 10 documents, and a spine of `itemrefs` entries cycling over them."""
    docs = [Doc(f"c{i}.xhtml", f"<p>Text of document {i} is here.</p>", in_spine=False) for i in range(10)]
    manifest = "".join(f'<item id="i{i}" href="c{i % 10}.xhtml" media-type="application/xhtml+xml"/>'
                       for i in range(items))
    spine = "".join(f'<itemref idref="i{i % items}"/>' for i in range(itemrefs))
    return build_epub(path, EpubSpec(docs=docs, extra_manifest=manifest, extra_spine=spine))


# --- EPUB structure: linear in its size, capped -----------------------------------------------------------

@pytest.mark.perf
@pytest.mark.timeout(120)
def test_spine_lookups_are_linear(tmp_path):
    # 9,990 itemrefs over 9,990 manifest items: one linear scan of the manifest per itemref was ~100 M steps.
    book = timed_load(_spine_book(tmp_path / "b.epub", itemrefs=9_990, items=9_990))
    assert not isinstance(book, BookError)
    assert book.sentence_count() == 10  # each document once, in spine order


@pytest.mark.perf
@pytest.mark.timeout(120)
def test_50000_itemrefs_are_refused_quickly(tmp_path):
    path = _spine_book(tmp_path / "b.epub", itemrefs=50_000, items=1_000)
    assert path.stat().st_size < 400_000  # a small file
    result = timed_load(path)
    assert isinstance(result, BookError), result
    assert "50,000" in str(result) and f"{MAX_SPINE_ENTRIES:,}" in str(result)


@pytest.mark.perf
@pytest.mark.timeout(120)
def test_oversized_package_document_is_refused(tmp_path):
    path = _spine_book(tmp_path / "b.epub", itemrefs=50_000, items=50_000)  # a 5 MB OPF
    result = timed_load(path)
    assert isinstance(result, BookError) and "package document is too large" in str(result)


@pytest.mark.perf
@pytest.mark.slow
@pytest.mark.timeout(120)
def test_spine_of_9990_files(tmp_path):
    docs = [Doc(f"c{i}.xhtml", f"<h1>Part {i}</h1><p>Text number {i} is here. It is short.</p>") for i in range(9_990)]
    book = timed_load(build_epub(tmp_path / "b.epub", EpubSpec(docs=docs)))
    assert not isinstance(book, BookError)
    assert len(book.chapters) == 9_990 and book.chapters[-1].title == "Part 9989"


@pytest.mark.perf
@pytest.mark.timeout(120)
def test_nav_of_300000_entries_at_one_spot(tmp_path):
    entries = "".join(f'<li><a href="a.xhtml">Entry {i}</a></li>' for i in range(300_000))
    nav = ('<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><body>'
           f'<nav epub:type="toc"><ol>{entries}</ol></nav></body></html>')
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>The only text.</p>"), Doc("b.xhtml", "<p>More text.</p>")],
        toc=[("B", "b.xhtml")], extra_files={"OEBPS/nav.xhtml": nav.encode()},
    ))
    assert path.stat().st_size < 1_000_000
    book = timed_load(path)
    assert not isinstance(book, BookError)
    assert [s.text for s in book.sentences()] == ["The only text.", "More text."]
    assert all(len(c.title) <= MAX_TITLE_CHARS for c in book.chapters)
    assert book.chapters[0].title.startswith("Entry 0 — Entry 1 — Entry 2")


@pytest.mark.perf
def test_toc_entries_past_the_cap_are_ignored(tmp_path):
    body = "".join(f'<p id="p{i}">Paragraph {i} is here.</p>' for i in range(MAX_TOC_ENTRIES + 500))
    toc = [(f"Section {i}", f"a.xhtml#p{i}") for i in range(MAX_TOC_ENTRIES + 500)]
    book = timed_load(build_epub(tmp_path / "b.epub", EpubSpec(docs=[Doc("a.xhtml", body)], toc=toc,
                                                                  with_ncx=False)))
    assert not isinstance(book, BookError)
    assert len(book.chapters) == MAX_TOC_ENTRIES  # the last chapter runs on over the entries past the cap
    assert book.sentence_count() == MAX_TOC_ENTRIES + 500  # nothing lost
    assert book.chapters[-1].sentences[-1].text == f"Paragraph {MAX_TOC_ENTRIES + 499} is here."


def test_long_titles_are_cut_at_a_word(tmp_path):
    long_title = "A very long heading " * 5_000
    book = load_book(build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>Some text here.</p>"), Doc("b.xhtml", f"<h1>{long_title}</h1><p>Body.</p>")],
        toc=[(long_title, "a.xhtml")],
    )))
    titles = [c.title for c in book.chapters]
    assert all(len(t) <= MAX_TITLE_CHARS for t in titles), [len(t) for t in titles]
    assert titles[0].startswith("A very long heading A very") and titles[0].endswith("heading…")


# --- big books: bounded time and memory, caps, refusals ------------------------------------------------------

@pytest.mark.perf
def test_chapters_past_the_cap_are_merged(tmp_path):
    count = MAX_CHAPTERS * 3 + 7
    path = tmp_path / "many.txt"
    path.write_text("".join(f"# Section {i}\n\nThe text of section {i}.\n\n" for i in range(1, count + 1)),
                    encoding="utf-8")
    book = timed_load(path)
    assert not isinstance(book, BookError)
    assert len(book.chapters) <= MAX_CHAPTERS
    assert book.chapters[0].title == "Section 1" and book.chapters[1].title == "Section 5"
    texts = [s.text for s in book.sentences()]
    assert len(texts) == 2 * count and texts[-1] == f"The text of section {count}."  # nothing lost


@needs_proc
@pytest.mark.perf
@pytest.mark.slow
def test_50mb_txt_of_headings_is_refused_at_once(tmp_path):
    path = tmp_path / "headings.txt"
    path.write_bytes(b"Chapter 1\n\nHe ran home.\n\n" * (50 * 2**20 // 25))
    result = probe_parse(tmp_path, path)
    _within_bounds(result)
    assert result["outcome"].startswith("BookError: ") and "too large" in result["outcome"], result


@needs_proc
@pytest.mark.perf
@pytest.mark.slow
def test_30mb_txt_of_headings_is_refused_at_once(tmp_path):
    path = tmp_path / "headings.txt"
    path.write_bytes(b"Chapter 1\n\nHe ran home.\n\n" * (30 * 2**20 // 25))
    result = probe_parse(tmp_path, path)
    _within_bounds(result)
    assert result["outcome"].startswith("BookError: ") and "lines" in result["outcome"], result


@needs_proc
@pytest.mark.perf
@pytest.mark.slow
def test_txt_of_short_sentences_stays_within_bounds(tmp_path):
    # 1.6 M sentences of a few words each (24 MB): past the sentence cap, refused before it costs more.
    path = tmp_path / "short.txt"
    path.write_bytes((b"He ran. She sat down. It was red. The cat sat on the mat. " * 5 + b"\n\n") * 80_000)
    result = probe_parse(tmp_path, path)
    _within_bounds(result)
    assert result["outcome"].startswith("BookError: ") and f"{MAX_SENTENCES:,} sentences" in result["outcome"], result


@needs_proc
@pytest.mark.perf
@pytest.mark.slow
def test_txt_at_the_sentence_cap_parses_within_bounds(tmp_path):
    # The most sentences a book may have: the worst case that is still read.
    path = tmp_path / "sentences.txt"
    paragraph = b"He ran home. She sat down. It was red. The cat sat on the mat. " * 3 + b"\n\n"  # 12 sentences
    path.write_bytes(paragraph * ((MAX_SENTENCES - 10) // 12))
    result = probe_parse(tmp_path, path)
    _within_bounds(result)
    assert result["outcome"].endswith(f" {(MAX_SENTENCES - 10) // 12 * 12} sentences"), result


@needs_proc
@pytest.mark.perf
@pytest.mark.slow
def test_txt_at_the_paragraph_cap_parses_within_bounds(tmp_path):
    # The most paragraphs a book may have, each one short sentence: per sentence, the costliest book to read.
    path = tmp_path / "lines.txt"
    path.write_bytes(b"He ran home.\n\n" * (MAX_PARAGRAPHS - 10))
    result = probe_parse(tmp_path, path)
    _within_bounds(result)
    assert result["outcome"].endswith(f" {MAX_PARAGRAPHS - 10} sentences"), result
    path.write_bytes(b"He ran home.\n\n" * (MAX_PARAGRAPHS + 10))
    result = probe_parse(tmp_path, path)
    _within_bounds(result)
    assert result["outcome"].startswith("BookError: ") and f"{MAX_PARAGRAPHS:,} paragraphs" in result["outcome"]


@needs_proc
@pytest.mark.perf
@pytest.mark.slow
def test_31mb_chapter_of_tiny_paragraphs(tmp_path):
    member = _varied_markup(lambda words: f"<p>{words(2).capitalize()}.</p>".encode(), 31 * 2**20)
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>x</p>")], toc=[("A", "a.xhtml")], extra_files={"OEBPS/a.xhtml": member},
    ))
    result = probe_parse(tmp_path, path)
    _within_bounds(result)
    assert result["outcome"].startswith("BookError: ") and "markup" in result["outcome"], result


@needs_proc
@pytest.mark.perf
@pytest.mark.slow
def test_31mb_chapter_of_prose(tmp_path):
    member = _varied_markup(lambda words: f"<p>{'. '.join(words(14) for _ in range(30))}.</p>\n".encode(),
                            31 * 2**20)
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>x</p>")], toc=[("A", "a.xhtml")], extra_files={"OEBPS/a.xhtml": member},
    ))
    result = probe_parse(tmp_path, path)
    _within_bounds(result)
    assert result["outcome"].startswith("BookError: ") and f"{MAX_SENTENCES:,}" in result["outcome"], result
