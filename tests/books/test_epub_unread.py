"""EPUB text that should not be read (issue 19): verse line numbers, program listings (a setting), and a
heading inside <header><h1><span> that was shown twice and spoken as two units."""

from __future__ import annotations

import pytest

from reader_app.books import CodeListings, ParseOptions, load_book
from tests.support.epub import Doc, EpubSpec, build_epub, simple_book

WASTE_LAND = (
    '<div class="poem">'
    '<p class="line">Summer surprised us, coming over the Starnbergersee</p>'
    '<p class="line">With a shower of rain; we stopped in the colonnade,</p>'
    '<p class="line">And went on in sunlight, into the Hofgarten,<span class="lnum">10</span></p>'
    '<p class="line">And drank coffee, and talked for an hour.<span class="linenum">11</span></p>'
    '<p class="line">Bin gar keine Russin, stamm’ aus Litauen, echt deutsch.'
    '<span style="float: right">15</span></p>'
    '<p class="line">And when we were children, staying at the arch-duke’s,'
    '<a class="line-number" id="l13">13</a></p>'
    "</div>"
)


def _texts(book) -> list[str]:
    return [s.text for s in book.sentences()]


def test_verse_line_numbers_are_not_read(tmp_path):
    book = load_book(simple_book(tmp_path / "w.epub", [("The Burial of the Dead", WASTE_LAND)]))
    text = " ".join(_texts(book))
    assert "into the Hofgarten," in text and "Hofgarten,10" not in text
    for number in ("10", "11", "13", "15"):
        assert number not in text


def test_numbers_that_are_text_stay(tmp_path):
    body = ('<p>In <span class="right">1865</span> he left. He took <span class="lnum">the</span> train, '
            '<span style="float:right">and 12 bags</span>.</p><p class="line-numbers">Chapter 12 begins.</p>')
    text = " ".join(_texts(load_book(simple_book(tmp_path / "n.epub", [("One", body)]))))
    assert "1865" in text and "the train" in text and "and 12 bags" in text and "Chapter 12 begins." in text


LISTING = "def greet(name):\n    message = f'Hello, {name}!'\n    print(message)\n    return message[::-1]\n"
CODE_BODY = (
    "<p>Here is how a greeting is printed.</p>"
    f'<pre class="programlisting"><code>{LISTING}</code></pre>'
    "<p>The function returns the reversed message.</p>"
    "<div><code>x = compute(y) * 2;</code></div>"
    "<p>Call <code>greet()</code> with a name.</p>"
    '<table class="highlighttable"><tr><td class="linenos"><div class="linenodiv"><pre>1\n2\n3\n4</pre></div></td>'
    '<td><p>Gutter only.</p></td></tr></table>'
)


@pytest.mark.parametrize(("mode", "expected"), [
    (CodeListings.SUMMARISE, ["Here is how a greeting is printed.", "Code listing, 4 lines.",
                              "The function returns the reversed message.", "Code listing, 1 line.",
                              "Call greet() with a name.", "Gutter only."]),
    (CodeListings.SKIP, ["Here is how a greeting is printed.", "The function returns the reversed message.",
                         "Call greet() with a name.", "Gutter only."]),
])
def test_code_listings_summarised_or_skipped(tmp_path, mode, expected):
    path = simple_book(tmp_path / "c.epub", [("Greeting", CODE_BODY)])
    assert _texts(load_book(path, ParseOptions(code_listings=mode))) == expected


def test_code_listings_summarised_by_default_and_read_on_request(tmp_path):
    path = simple_book(tmp_path / "c.epub", [("Greeting", CODE_BODY)])
    assert "Code listing, 4 lines." in _texts(load_book(path))
    read = " ".join(_texts(load_book(path, ParseOptions(code_listings=CodeListings.READ))))
    assert "print(message)" in read and "x = compute(y) * 2;" in read and "Code listing" not in read


def test_verse_in_pre_is_still_read(tmp_path):
    poem = "<pre>Shall I compare thee to a summer’s day?\nThou art more lovely and more temperate:\n" \
           "Rough winds do shake the darling buds of May,\nAnd summer’s lease hath all too short a date.</pre>"
    text = " ".join(_texts(load_book(simple_book(tmp_path / "p.epub", [("Sonnet", poem)]))))
    assert "Shall I compare thee" in text and "Code listing" not in text


def test_listing_holding_a_toc_target_still_starts_its_chapter(tmp_path):
    docs = [Doc("ch1.xhtml", "<p>Intro text here.</p>"
                f'<pre><code><span id="two">{LISTING}</span></code></pre><p>After the code.</p>', title="T")]
    spec = EpubSpec(docs=docs, toc=[("One", "ch1.xhtml"), ("Two", "ch1.xhtml#two")])
    book = load_book(build_epub(tmp_path / "t.epub", spec))
    assert [(c.title, [s.text for s in c.sentences]) for c in book.chapters] == [
        ("One", ["Intro text here."]), ("Two", ["Code listing, 4 lines.", "After the code."])]


HEADER_CHAPTER = ('<section id="c1"><header><h1><span class="num">Chapter 1.</span> '
                  '<span class="title" id="t1">The Beginning</span></h1></header>'
                  "<p>It was a cold day. She walked on.</p></section>")


@pytest.mark.parametrize("href", ["ch1.xhtml", "ch1.xhtml#c1", "ch1.xhtml#t1"])
def test_heading_in_header_is_one_unit_once(tmp_path, href):
    docs = [Doc("ch1.xhtml", "<p>A note before the chapter.</p>" + HEADER_CHAPTER, title="Chapter 1. The Beginning")]
    spec = EpubSpec(docs=docs, toc=[("Chapter 1. The Beginning", href)])
    book = load_book(build_epub(tmp_path / "h.epub", spec))
    titles = [c.title for c in book.chapters]
    assert titles.count("Chapter 1. The Beginning") == 1  # the note before it is not named after it
    chapter = book.chapters[titles.index("Chapter 1. The Beginning")]
    assert [s.text for s in chapter.sentences][:2] == (
        ["Chapter 1. The Beginning", "It was a cold day."] if href != "ch1.xhtml" else
        ["A note before the chapter.", "Chapter 1. The Beginning"])


def test_heading_spans_without_space_are_words(tmp_path):
    body = '<header><h1><span class="num">1</span><span class="name">Loomings</span></h1></header><p>Call me.</p>'
    book = load_book(simple_book(tmp_path / "m.epub", [("1 Loomings", body)]))
    assert book.chapters[0].sentences[0].text == "1 Loomings"
