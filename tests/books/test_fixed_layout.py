"""Fixed-layout EPUBs whose text lives in SVG <text>/<tspan>: read in reading order, words rebuilt from
letter-spaced glyph runs, decorative SVG and page furniture (page numbers, running headers) left out."""

from __future__ import annotations

import time

import pytest

from reader_app.books import BookError, load_book
from reader_app.books.svg_text import svg_paragraphs
from reader_app.books.xmlsafe import parse_markup
from tests.support.epub import Doc, EpubSpec, build_epub
from tests.support.perf import PARSE_BOUND_S, time_limit

PRE_PAGINATED = '<meta property="rendition:layout">pre-paginated</meta>'
SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
# Advance widths of Helvetica, in ems: what a PDF-to-SVG export would place glyphs by.
HELVETICA = {
    " ": 0.278, "a": 0.556, "b": 0.556, "c": 0.5, "d": 0.556, "e": 0.556, "f": 0.278, "g": 0.556, "h": 0.556,
    "i": 0.222, "j": 0.222, "k": 0.5, "l": 0.222, "m": 0.833, "n": 0.556, "o": 0.556, "p": 0.556, "q": 0.556,
    "r": 0.333, "s": 0.5, "t": 0.278, "u": 0.556, "v": 0.5, "w": 0.722, "x": 0.5, "y": 0.5, "z": 0.5, ".": 0.278,
    ",": 0.278, "'": 0.191, "O": 0.778, "T": 0.611, "S": 0.667, "W": 0.944, "I": 0.278, "L": 0.556, "A": 0.667,
    "M": 0.833, "E": 0.667,
}


def glyph_run(text: str, x: float, y: float, size: float = 20, tracking: float = 0.0) -> str:
    """One <text> with every glyph placed on its own, spaces left out (as PDF converters write them)."""
    xs, glyphs = [], []
    for ch in text:
        if ch != " ":
            xs.append(f"{x:.2f}")
            glyphs.append(ch)
        x += HELVETICA[ch] * size + tracking
    return f'<text x="{" ".join(xs)}" y="{y}" font-size="{size}">{"".join(glyphs)}</text>'


def page_svg(lines: list[str], number: int | None = None, header: str | None = None, standalone: bool = False) -> str:
    body = "".join(f'<text x="80" y="{200 + 30 * i}" font-size="20">{line}</text>' for i, line in enumerate(lines))
    if header:
        body = f'<text x="300" y="40" font-size="12">{header}</text>' + body
    if number is not None:
        body += f'<text x="400" y="1150" font-size="12">{number}</text>'
    decoration = '<rect x="0" y="0" width="800" height="1200" fill="#fffbe8"/><image xlink:href="p.jpg" width="10"/>'
    svg = f'<svg {SVG_NS} viewBox="0 0 800 1200" width="800" height="1200">{decoration}{body}</svg>'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{svg}' if standalone else svg


def fixed_layout_book(tmp_path, pages: list[str], *, svg_pages: bool = False, layout: str = PRE_PAGINATED,
                      toc: list | None = None):
    if svg_pages:
        docs = [Doc(f"p{i}.svg", "", raw=page, media_type="image/svg+xml") for i, page in enumerate(pages)]
    else:
        docs = [Doc(f"p{i}.xhtml", page) for i, page in enumerate(pages)]
    return load_book(build_epub(tmp_path / "b.epub", EpubSpec(docs=docs, toc=toc or [], extra_metadata=layout)))


def _texts(book) -> list[str]:
    return [s.text for s in book.sentences()]


def test_svg_text_in_xhtml_pages_is_read_without_page_furniture(tmp_path):
    pages = [
        page_svg(["Once upon a time there was", "a little fox who lived in a wood."], 1, "THE LITTLE FOX"),
        page_svg(["Every morning the fox went", "down to the river to drink."], 2, "THE LITTLE FOX"),
        page_svg(["One day he met a heron."], 3, "THE LITTLE FOX"),
        page_svg(["The End"], 4),
    ]
    book = fixed_layout_book(tmp_path, pages)
    assert _texts(book) == [
        "Once upon a time there was a little fox who lived in a wood.",
        "Every morning the fox went down to the river to drink.",
        "One day he met a heron.",
        "The End",
    ]


def test_svg_spine_documents(tmp_path):
    pages = [page_svg(["Il était une fois", "un petit renard."], n, "Le Renard", standalone=True) for n in range(3)]
    book = fixed_layout_book(tmp_path, pages, svg_pages=True)
    assert _texts(book) == ["Il était une fois un petit renard."] * 3


def test_tspans_are_joined_in_reading_order(tmp_path):
    # Illustrator style: a text block positioned by a transform, each line a tspan, a line broken by styles.
    page = (f'<svg {SVG_NS} viewBox="0 0 600 800"><g transform="translate(50 0)">'
            '<text transform="matrix(1 0 0 1 20 100)" font-size="18">'
            '<tspan x="0" y="0">The heron </tspan><tspan x="88.5" y="0" font-style="italic">looked</tspan>'
            '<tspan x="0" y="24">at the fox and smi</tspan><tspan x="141.2" y="24">led.</tspan>'
            '</text></g></svg>')
    book = fixed_layout_book(tmp_path, [page])
    assert _texts(book) == ["The heron looked at the fox and smiled."]


@pytest.mark.parametrize("tracking", [0.0, 1.5, -0.4])
def test_letter_spaced_glyph_runs_become_words(tracking):
    svg = (f'<svg {SVG_NS} viewBox="0 0 800 600">'
           f'{glyph_run("Once upon a time, a small mouse", 50, 100, tracking=tracking)}'
           f'{glyph_run("walked into the Wide World.", 50, 125, tracking=tracking)}</svg>')
    root = parse_markup(svg.encode())
    assert root is not None
    assert [p.text for p in svg_paragraphs(root)] == ["Once upon a time, a small mouse walked into the Wide World."]


def test_one_glyph_per_text_element():
    words = "Little by little"
    xs, x, parts = [], 60.0, []
    for ch in words:
        if ch != " ":
            parts.append(f'<text x="{x:.2f}" y="300" font-size="24">{ch}</text>')
            xs.append(x)
        x += HELVETICA[ch] * 24
    root = parse_markup(f'<svg {SVG_NS}>{"".join(parts)}</svg>'.encode())
    assert root is not None
    assert [p.text for p in svg_paragraphs(root)] == ["Little by little"]


def test_paragraph_breaks_from_the_layout():
    lines = ["The first paragraph runs", "over two lines.", "", "", "A second paragraph."]
    body = "".join(f'<text x="80" y="{100 + 30 * i}" font-size="20">{t}</text>' for i, t in enumerate(lines) if t)
    root = parse_markup(f'<svg {SVG_NS}>{body}</svg>'.encode())
    assert root is not None
    assert [p.text for p in svg_paragraphs(root)] == ["The first paragraph runs over two lines.",
                                                       "A second paragraph."]


def test_hyphenated_line_ends_are_joined():
    body = ('<text x="80" y="100" font-size="20">It was a won-</text>'
            '<text x="80" y="125" font-size="20">derful day, said Mary-</text>'
            '<text x="80" y="150" font-size="20">Anne.</text>')
    root = parse_markup(f'<svg {SVG_NS}>{body}</svg>'.encode())
    assert root is not None
    assert [p.text for p in svg_paragraphs(root)] == ["It was a wonderful day, said Mary-Anne."]


def test_decorative_svg_and_hidden_text_are_skipped(tmp_path):
    decorative = (f'<svg {SVG_NS} viewBox="0 0 10 10"><defs><text id="t">DEFS TEXT</text>'
                  '<symbol id="s"><text>SYMBOL TEXT</text></symbol><clipPath id="c"><text>CLIP TEXT</text></clipPath>'
                  '</defs><title>A drawing</title><desc>DESC TEXT</desc><metadata>META</metadata>'
                  '<path d="M0 0L10 10"/><use xlink:href="#s"/>'
                  '<text x="1" y="1" display="none">HIDDEN TEXT</text>'
                  '<text x="1" y="1" style="visibility: hidden">INVISIBLE TEXT</text></svg>')
    with pytest.raises(BookError, match="no readable text"):
        fixed_layout_book(tmp_path, [decorative])
    book = fixed_layout_book(tmp_path, [decorative + page_svg(["Real words on the page."])])
    assert _texts(book) == ["Real words on the page."]


def test_reflowable_book_keeps_leaving_diagram_labels_out(tmp_path):
    diagram = f'<svg {SVG_NS}><text x="1" y="1">x axis</text><text x="1" y="9">Fig. 1</text></svg>'
    book = fixed_layout_book(tmp_path, [f"<p>The prose of the chapter.</p>{diagram}<p>More prose.</p>"], layout="")
    assert _texts(book) == ["The prose of the chapter.", "More prose."]


def test_reflowable_page_whose_only_text_is_svg(tmp_path):
    title_page = page_svg(["A Tale of", "Two Foxes"])
    book = fixed_layout_book(tmp_path, [title_page, "<p>Chapter text.</p>"], layout="")
    assert _texts(book) == ["A Tale of Two Foxes", "Chapter text."]


def test_page_numbers_alone_are_dropped_anywhere():
    body = ('<text x="80" y="100" font-size="20">Real words.</text>'
            '<text x="400" y="500" font-size="12">- 17 -</text><text x="400" y="520" font-size="12">xvii</text>')
    root = parse_markup(f'<svg {SVG_NS}>{body}</svg>'.encode())
    assert root is not None
    assert [p.text for p in svg_paragraphs(root)] == ["Real words."]


def test_a_refrain_in_the_body_is_kept(tmp_path):
    pages = [page_svg([f"Page {n} of the story.", "And the fox said no!", f"Then came day {n}."], n)
             for n in range(1, 5)]
    book = fixed_layout_book(tmp_path, pages)
    assert _texts(book).count("And the fox said no!") == 4


@pytest.mark.perf
def test_too_much_drawn_text_is_refused_quickly(tmp_path):
    # Every glyph placed on its own, 50,000 to a page: past the book's budget of SVG text pieces.
    glyphs = 50_000
    xs = " ".join(f"{10 + 0.01 * i:.2f}" for i in range(glyphs))
    text = f'<text x="{xs}" y="100" font-size="1">{"ab" * (glyphs // 2)}</text>'
    page = f'<svg {SVG_NS} viewBox="0 0 800 1200">{text}</svg>'
    start = time.process_time()
    with pytest.raises(BookError, match="too much drawn text"):
        fixed_layout_book(tmp_path, [page] * 10)
    assert time.process_time() - start < time_limit(PARSE_BOUND_S)


def test_hostile_coordinates_never_raise():
    import random

    rng = random.Random(17)
    values = ["1e308", "-1e308", "0", "-5", "nan", "inf", "1e-320", "3 4 5", "", "x", "1e309", "9" * 400, "-0"]
    attributes = ["x", "y", "dy", "font-size", "transform", "style", "viewBox", "height"]
    transforms = ["matrix(1e200 0 0 1e200 1e200 1e200)", "scale(0)", "rotate(90 1e308 5)", "skewX(90)",
                  "translate(nan)", "matrix(1 2)", "scale(1e-300)"]
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(1, 6)):
            attrs = []
            for name in rng.sample(attributes, rng.randint(0, 4)):
                value = rng.choice(transforms) if name == "transform" else rng.choice(values)
                if name == "style":
                    value = f"font-size: {rng.choice(values)}"
                attrs.append(f'{name}="{value}"')
            inner = rng.choice(["Hello", "a", " ", "", "<tspan x='1e308'>b</tspan>c", "12"])
            parts.append(f'<text {" ".join(attrs)}>{inner}</text>')
        root = parse_markup(f'<svg {SVG_NS} viewBox="{rng.choice(values)}">{"".join(parts)}</svg>'.encode())
        if root is not None:
            for paragraph in svg_paragraphs(root):
                assert paragraph.text
