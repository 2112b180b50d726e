"""The text of an SVG page (fixed-layout EPUBs, often converted from print PDFs): <text>/<tspan> runs placed
by coordinates, rebuilt into lines and paragraphs in reading order.

Exporters place text in pieces: a <text> per line, a <tspan> wherever the style or kerning changes (often
mid-word), or every glyph on its own with no space characters at all ("letter-spaced" runs, x="10 17.2 24.1").
Without the fonts, the gap between two pieces is judged against the advance widths of a typical sans-serif
(Helvetica's, in ems); the median misfit over a line absorbs the font's own width and the letter-spacing,
so only what is left over (a quarter em or so) is a word space. Lines follow in document order, a new
paragraph where the layout leaves a larger gap; blocks are then ordered top to bottom, side by side left
to right. Page furniture is left out: a number alone (a page number) is dropped here, and a line in the top
or bottom margin band is returned apart (``edge``) so the book can drop those repeated on several pages
(running headers and footers).
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from lxml import etree

from .budget import ParseBudget
from .textnorm import clean_inline

# Containers whose text is never drawn as page text.
_NOT_DRAWN = frozenset({
    "defs", "symbol", "clippath", "mask", "pattern", "marker", "title", "desc", "metadata", "style", "script",
    "foreignobject", "lineargradient", "radialgradient", "filter", "font", "font-face", "glyph",
})
_TEXT_CONTENT = frozenset({"tspan", "textpath", "a", "tref"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)", re.IGNORECASE)
_FONT_SIZE_STYLE = re.compile(r"font-size\s*:\s*([^;]+)", re.IGNORECASE)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_LENGTH = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(px|pt|em|%|pc|mm|cm|in)?\s*$", re.I)
_TRANSFORM = re.compile(r"(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)", re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    r"^[\s\-–—.·•|\[\](){}*]*(?:(?:page|p\.|pg\.?|seite|página|pagina|страница|стр\.)\s*)?"
    r"(?:\d{1,4}|m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))[\s\-–—.·•|\[\](){}*]*$",
    re.IGNORECASE,
)
_LOWER_ROMAN_OR_DIGITS = re.compile(r"\d|^[^A-Z]*$")
DEFAULT_FONT_SIZE = 16.0
_MIN_SIZE, _MAX_SIZE = 0.01, 1e6  # page font sizes outside these are absurd (and would overflow the geometry)
SPACE_GAP_EM = 0.17  # left over past the expected advance: a word space (0.25-0.33 em in most fonts)
EDGE_BAND = 0.12  # the top and bottom eighth of a page hold running headers, footers and page numbers

# Advance widths of Helvetica in ems, by character (others: their base letter, else an average).
_WIDTHS: dict[str, float] = {
    **dict.fromkeys("ijl", 0.222), **dict.fromkeys("ft!.,:;/\\[] I", 0.278), "r": 0.333, "(": 0.333, ")": 0.333,
    **dict.fromkeys("ckvxyzsJ\"", 0.5), **dict.fromkeys("abdeghnopqu0123456789$?L_", 0.556), "-": 0.333,
    "'": 0.191, "’": 0.222, "‘": 0.222, "“": 0.333, "”": 0.333, "m": 0.833, "w": 0.722, "F": 0.611, "T": 0.611,
    "Z": 0.611, **dict.fromkeys("ABEKPSVXY&", 0.667), **dict.fromkeys("CDHNRU", 0.722), **dict.fromkeys("GOQ", 0.778),
    "M": 0.833, "W": 0.944, "%": 0.889, "@": 1.015, "—": 1.0, "–": 0.556, "…": 1.0, "«": 0.556, "»": 0.556,
}
_AVERAGE_WIDTH = 0.55


@dataclass(frozen=True)
class SvgParagraph:
    text: str
    edge: bool = False  # a line alone in the top or bottom margin: a running header or footer if it repeats


@dataclass(slots=True)
class _Piece:
    """Characters drawn together, at page coordinates (x is None: right after the previous piece)."""

    text: str
    x: float | None
    y: float
    size: float
    advance: float  # the width our table gives it, in page units


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float


Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def svg_paragraphs(svg: etree._Element, budget: ParseBudget | None = None) -> list[SvgParagraph]:
    """The readable text of one <svg> element (and what it contains), as paragraphs in reading order.
    BookError once the book's SVG text pieces pass the budget."""
    budget = budget or ParseBudget()
    pieces = list(islice(_pieces(svg), budget.svg_pieces_left() + 1))
    budget.spend_svg_pieces(len(pieces))
    if not pieces:
        return []
    lines = [line for line in _lines(pieces) if not _is_page_number(line.text)]
    if not lines:
        return []
    height = _page_height(svg)
    edges = {id(line) for i, line in enumerate(lines) if _in_margin(line, lines, height) and _isolated(i, lines)}
    return _order(_paragraphs(lines, edges))


# --- pieces: walking the SVG tree -------------------------------------------------------------------------

def _pieces(svg: etree._Element) -> Iterator[_Piece]:
    stack: list[tuple[etree._Element, Matrix, float]] = [(svg, _IDENTITY, DEFAULT_FONT_SIZE)]
    while stack:
        el, ctm, size = stack.pop()
        tag = _local(el.tag)
        if tag is None or tag in _NOT_DRAWN or _hidden(el):
            continue
        ctm = _multiply(ctm, _transform(el.get("transform")))
        size = _font_size(el, size)
        if tag == "text":
            yield from _text_pieces(el, ctm, size)
            continue
        children = [(child, ctm, size) for child in el if isinstance(child.tag, str)]
        stack.extend(reversed(children))  # document order


def _text_pieces(text_el: etree._Element, ctm: Matrix, size: float) -> Iterator[_Piece]:
    """One <text>: its own characters and those of its tspans, each placed where the attributes say."""
    scale = math.sqrt(abs(ctm[0] * ctm[3] - ctm[1] * ctm[2])) or 1.0
    cursor_y = 0.0

    def place(el: etree._Element, raw: str, el_size: float, own_position: bool) -> Iterator[_Piece]:
        nonlocal cursor_y
        # xml:space="default": newlines go, tabs are spaces (runs of spaces are collapsed later).
        text = raw.replace("\n", "").replace("\r", "").replace("\t", " ")
        xs = _numbers(el.get("x"), len(text)) if own_position else []
        if own_position:
            ys, dys = _numbers(el.get("y"), 1), _numbers(el.get("dy"), 1)
            cursor_y = (ys[0] if ys else cursor_y) + (dys[0] if dys else 0.0)
            if not xs and el is text_el:
                xs = [0.0]  # a <text> without x starts at 0 of its coordinate system
        if not text:
            return
        if not xs:
            yield _at(ctm, None, cursor_y, text, el_size * scale)
            return
        # x="10 17.2 24.1": the first characters each placed on their own; the rest follow the last.
        for i, x in enumerate(xs[:-1]):
            yield _at(ctm, x, cursor_y, text[i], el_size * scale)
        yield _at(ctm, xs[-1], cursor_y, text[len(xs) - 1 :], el_size * scale)

    def walk(el: etree._Element, el_size: float) -> Iterator[_Piece]:
        yield from place(el, el.text or "", el_size, True)
        for child in el:
            if _local(child.tag) in _TEXT_CONTENT and not _hidden(child):
                yield from walk(child, _font_size(child, el_size))
            # The text after a child continues where the child ended.
            yield from place(el, child.tail or "", el_size, False)

    yield from walk(text_el, size)


def _at(ctm: Matrix, x: float | None, y: float, text: str, size: float) -> _Piece:
    a, b, c, d, e, f = ctm
    local_x = 0.0 if x is None else x
    page_x = a * local_x + c * y + e
    page_y = b * local_x + d * y + f
    if not (math.isfinite(page_x) and math.isfinite(page_y) and _MIN_SIZE <= size <= _MAX_SIZE):
        page_x, page_y, size = 0.0, 0.0, DEFAULT_FONT_SIZE  # absurd coordinates: text kept, placement lost
    return _Piece(text, None if x is None else page_x, page_y, size, _width(text) * size)


# --- lines: pieces on one baseline, joined with or without a space ------------------------------------------

def _lines(pieces: list[_Piece]) -> list[_Line]:
    lines: list[_Line] = []
    group: list[_Piece] = []
    last_x = end = 0.0  # where the line's last placed piece starts, and where its text ends
    for piece in pieces:
        if group and _starts_new_line(group[0], last_x, end, piece):
            lines.append(_join_line(group))
            group = []
        if piece.x is not None:
            last_x = end = piece.x
        elif not group:
            last_x = end = 0.0
        end += piece.advance
        group.append(piece)
    if group:
        lines.append(_join_line(group))
    return [line for line in lines if line.text]


def _starts_new_line(first: _Piece, last_x: float, end: float, piece: _Piece) -> bool:
    if abs(piece.y - first.y) > 0.4 * max(piece.size, first.size):
        return True
    if piece.x is None:
        return False
    # Back to the left of where the line got to, or far to the right of it: another line, another block.
    return piece.x < last_x - 0.5 * piece.size or piece.x > end + 4 * piece.size


def _join_line(group: list[_Piece]) -> _Line:
    misfit = _typical_misfit(group)
    out: list[str] = []
    # The last placed piece, with what followed it unplaced: where the next placed one is expected.
    placed_x: float | None = None
    advance = 0.0
    chars = 0
    placed_size = group[0].size
    for piece in group:
        if piece.x is not None and placed_x is not None and out:
            if not (out[-1][-1:].isspace() or piece.text[:1].isspace()):
                expected = placed_x + advance + misfit * chars
                tolerance = SPACE_GAP_EM * placed_size + (0.05 * advance if chars > 1 else 0.0)
                if piece.x - expected > tolerance:
                    out.append(" ")
        out.append(piece.text)
        if piece.x is not None:
            placed_x, advance, chars, placed_size = piece.x, piece.advance, len(piece.text), piece.size
        else:
            advance += piece.advance
            chars += len(piece.text)
    x0 = next((p.x for p in group if p.x is not None), 0.0)
    return _Line(clean_inline("".join(out)), x0, group[0].y, group[0].size)


def _typical_misfit(group: list[_Piece]) -> float:
    """Per glyph, how far the placed glyphs sit from our width table: the font's own widths and the
    letter-spacing. The median over the line, so word spaces (the exceptions) do not count."""
    misfits = [
        (b.x - a.x) - a.advance
        for a, b in zip(group, group[1:], strict=False)
        if a.x is not None and b.x is not None and len(a.text) == 1 and not a.text.isspace() and b.x > a.x
    ]
    if len(misfits) < 3:
        return 0.0
    return statistics.median(misfits)


def _width(text: str) -> float:
    if len(text) == 1:
        return _WIDTHS.get(text) or _char_width(text)
    return sum(_WIDTHS.get(ch) or _char_width(ch) for ch in text)


@lru_cache(maxsize=4096)
def _char_width(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    return _WIDTHS.get(unicodedata.normalize("NFD", ch)[:1], _AVERAGE_WIDTH)


# --- paragraphs and reading order ----------------------------------------------------------------------------

def _paragraphs(lines: list[_Line], edges: set[int]) -> list[tuple[list[_Line], bool]]:
    steps = [b.y - a.y for a, b in zip(lines, lines[1:], strict=False)]
    body = [step for step, line in zip(steps, lines, strict=False) if 0 < step <= 2.5 * line.size]
    typical = statistics.median(body) if body else None
    blocks: list[tuple[list[_Line], bool]] = []
    for i, line in enumerate(lines):
        edge = id(line) in edges
        if edge or not blocks or blocks[-1][1] or _breaks(lines[i - 1], line, typical):
            blocks.append(([line], edge))
        else:
            blocks[-1][0].append(line)
    return blocks


def _breaks(previous: _Line, line: _Line, typical: float | None) -> bool:
    step = line.y - previous.y
    if step < -0.5 * line.size:  # back up the page: another column or block
        return True
    if max(line.size, previous.size) > 1.25 * min(line.size, previous.size):  # a heading above body text
        return True
    return step > 1.45 * (typical or 1.2 * line.size)


def _order(blocks: list[tuple[list[_Line], bool]]) -> list[SvgParagraph]:
    """Top to bottom; blocks whose tops are within a line of each other (side by side), left to right."""
    def row_key(block: tuple[list[_Line], bool]) -> tuple[float, float]:
        top = block[0][0]
        row = top.y / (1.5 * top.size)
        return (round(row) if math.isfinite(row) else 0, min(line.x for line in block[0]))

    ordered = sorted(blocks, key=row_key)
    return [SvgParagraph(_join_lines(block), edge) for block, edge in ordered]


def _join_lines(lines: list[_Line]) -> str:
    text = lines[0].text
    for line in lines[1:]:
        nxt = line.text
        if len(text) > 1 and text.endswith("-") and text[-2].isalpha() and nxt[:1].isalpha():
            # A word broken at the line end: "won-" "derful" is one word; "Mary-" "Anne" keeps its hyphen.
            text = (text[:-1] if nxt[0].islower() else text) + nxt
        else:
            text = f"{text} {nxt}"
    return text


# --- page furniture ------------------------------------------------------------------------------------------

def _is_page_number(text: str) -> bool:
    # Roman numerals only in lower case ("xii"): upper-case words made of those letters are real ("MIX", "I").
    return bool(_PAGE_NUMBER.match(text)) and bool(_LOWER_ROMAN_OR_DIGITS.search(text))


def _in_margin(line: _Line, lines: list[_Line], height: float | None) -> bool:
    if height:
        return line.y < EDGE_BAND * height or line.y > (1 - EDGE_BAND) * height
    if len(lines) < 3:
        return False
    top = min(lines, key=lambda candidate: candidate.y)
    bottom = max(lines, key=lambda candidate: candidate.y)
    return line is top or line is bottom


def _isolated(i: int, lines: list[_Line]) -> bool:
    """Set apart from the lines before and after it, as a running header is from the body text (a body line
    that merely starts high on the page is not)."""
    line = lines[i]
    for j in (i - 1, i + 1):
        if 0 <= j < len(lines) and abs(lines[j].y - line.y) <= 1.8 * max(lines[j].size, line.size):
            return False
    return True


def _page_height(svg: etree._Element) -> float | None:
    view_box = _numbers(svg.get("viewBox") or svg.get("viewbox"), 4)
    if len(view_box) == 4 and view_box[3] > 0:
        return view_box[3]
    height = _length(svg.get("height"), DEFAULT_FONT_SIZE)
    return height if height and height > 0 and not (svg.get("height") or "").strip().endswith("%") else None


# --- attributes ----------------------------------------------------------------------------------------------

def _local(tag: object) -> str | None:
    if not isinstance(tag, str):
        return None
    return tag.rsplit("}", 1)[-1].lower()


def _hidden(el: etree._Element) -> bool:
    if el.get("display", "").strip().lower() == "none" or el.get("visibility", "").strip().lower() in (
        "hidden", "collapse"
    ):
        return True
    if el.get("aria-hidden", "").lower() == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _numbers(value: str | None, limit: int) -> list[float]:
    if not value:
        return []
    out: list[float] = []
    for match in islice(_NUMBER.finditer(value), limit):
        number = float(match.group())
        if not math.isfinite(number):
            return []
        out.append(number)
    return out


def _length(value: str | None, parent_size: float) -> float | None:
    match = _LENGTH.match(value or "")
    if not match:
        return None
    number = float(match.group(1))
    unit = (match.group(2) or "").lower()
    factor = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}.get(unit)
    if unit == "em":
        return number * parent_size
    if unit == "%":
        return number / 100 * parent_size
    result = number * (factor or 1.0)
    return result if math.isfinite(result) else None


def _font_size(el: etree._Element, inherited: float) -> float:
    value = el.get("font-size")
    style = el.get("style")
    if style and "font-size" in style:
        found = _FONT_SIZE_STYLE.search(style)
        if found:
            value = found.group(1)
    size = _length(value, inherited) if value else None
    return size if size and _MIN_SIZE <= size <= _MAX_SIZE else inherited


def _transform(value: str | None) -> Matrix:
    matrix = _IDENTITY
    if not value:
        return matrix
    for name, args in islice(_TRANSFORM.findall(value), 16):
        n = _numbers(args, 6)
        kind = name.lower()
        step: Matrix
        if kind == "matrix" and len(n) == 6:
            step = (n[0], n[1], n[2], n[3], n[4], n[5])
        elif kind == "translate" and n:
            step = (1.0, 0.0, 0.0, 1.0, n[0], n[1] if len(n) > 1 else 0.0)
        elif kind == "scale" and n:
            step = (n[0], 0.0, 0.0, n[1] if len(n) > 1 else n[0], 0.0, 0.0)
        elif kind == "rotate" and n:
            angle = math.radians(n[0])
            cos, sin = math.cos(angle), math.sin(angle)
            step = (cos, sin, -sin, cos, 0.0, 0.0)
            if len(n) == 3:  # about a point: translate, rotate, translate back
                step = _multiply(_multiply((1.0, 0.0, 0.0, 1.0, n[1], n[2]), step),
                                 (1.0, 0.0, 0.0, 1.0, -n[1], -n[2]))
        elif kind == "skewx" and n:
            step = (1.0, 0.0, math.tan(math.radians(n[0])), 1.0, 0.0, 0.0)
        elif kind == "skewy" and n:
            step = (1.0, math.tan(math.radians(n[0])), 0.0, 1.0, 0.0, 0.0)
        else:
            continue
        matrix = _multiply(matrix, step)
    if not all(math.isfinite(v) for v in matrix):
        return _IDENTITY
    return matrix


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + c * b2, b * a2 + d * b2, a * c2 + c * d2, b * c2 + d * d2, a * e2 + c * f2 + e,
            b * e2 + d * f2 + f)
