"""Character references that name UTF-16 surrogates (as some converters write emoji) or other characters XML
cannot hold: pairs become the real character, the rest are dropped, and the book is read."""

from __future__ import annotations

import pytest

from reader_app.books import load_book
from reader_app.books.xmlsafe import defuse
from tests.support.epub import Doc, EpubSpec, build_epub, simple_book


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("&#xD83D;&#xDE00;", "\U0001f600"),
        ("&#55357;&#56832;", "\U0001f600"),  # the same pair in decimal
        ("&#x0D83D;&#X00DE00;", "\U0001f600"),  # leading zeros, upper-case X
        ("&#xD800;", ""),  # a lone high surrogate
        ("&#xDE00;&#xD83D;", ""),  # a low then a high: both lone
        ("&#xDE00;&#xD83D;&#xDE00;", "\U0001f600"),  # a lone low, then a pair
        ("&#xD83D;x&#xDE00;", "x"),  # a pair broken by a character
        ("&#x0;&#x1;&#xFFFE;&#x110000;&#99999999;", ""),  # not characters XML may hold
        pytest.param("&#" + "9" * 50_000 + ";&#x" + "F" * 50_000 + ";", "", id="absurdly-long"),
    ],
)
def test_numeric_references_are_made_valid(markup, expected):
    assert defuse(f"<p>a{markup}b</p>") == f"<p>a{expected}b</p>"


def test_ordinary_references_are_left_alone():
    text = "<p>&#x9;&#233;&#x1F600;&#128512;&#xFFFD;&#xD7FF;&#xE000;</p>"
    assert defuse(text) == text


def test_surrogate_pairs_in_a_chapter_do_not_lose_the_book(tmp_path):
    path = simple_book(tmp_path / "b.epub", [
        ("One", "<p>Smile &#xD83D;&#xDE00; here. Lone &#xD800; one.</p>"),
        ("Two", "<p>A good chapter.</p>"),
    ])
    book = load_book(path)
    assert [s.text for s in book.sentences()] == ["Smile \U0001f600 here.", "Lone one.", "A good chapter."]


def test_surrogates_in_tag_soup_and_toc(tmp_path):
    soup = "<html><body><p>Broken <b>markup &#xD83D;&#xDE00; with <i>soup</p><p>And a lone &#xDFFF;.</body>"
    nav = ('<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><body>'
           '<nav epub:type="toc"><ol><li><a href="a.xhtml">Smile &#xD83D;&#xDE00;</a></li>'
           '<li><a href="b.xhtml">B &#xDC00;</a></li></ol></nav></body></html>')
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "", raw=soup), Doc("b.xhtml", "<p>Fine.</p>")],
        extra_files={"OEBPS/nav.xhtml": nav.encode()},
    ))
    book = load_book(path)
    assert [c.title for c in book.chapters] == ["Smile \U0001f600", "B"]
    text = " ".join(s.text for s in book.sentences())
    assert "\U0001f600" in text and "soup" in text and "Fine." in text
    assert all("\ud800" > ch or ch > "\udfff" for ch in text)


def test_surrogate_in_the_title_does_not_fail_the_package(tmp_path):
    path = build_epub(tmp_path / "b.epub", EpubSpec(
        docs=[Doc("a.xhtml", "<p>Good text.</p>")], title_xml="Bad &#xD800; title &#55357;&#56832;",
    ))
    book = load_book(path)
    assert book.metadata.title == "Bad title \U0001f600"
    assert [s.text for s in book.sentences()] == ["Good text."]
    book.metadata.title.encode("utf-8")  # strict: nothing unencodable reaches the store or a terminal
