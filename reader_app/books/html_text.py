"""XHTML content document -> paragraphs of speakable text.

Keeps block structure (one paragraph per p/div/li/heading...), and leaves out what a narrator must not
read: note references and note bodies, page-break markers and page numbers, scripts, styles, hidden
elements, ruby annotations (the base text is read), navigation and asides. SVG text is read on fixed-layout
pages, and on any page whose only text it is (a title page drawn in SVG); elsewhere an SVG is an
illustration, and its labels are not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from .budget import ParseBudget
from .code_listing import is_listing, summary
from .options import DEFAULT_OPTIONS, CodeListings, ParseOptions
from .svg_text import svg_paragraphs
from .textnorm import as_heading, clean_inline, unmarked
from .xmlsafe import parse_markup

_BLOCKS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre",
        "section", "article", "header", "footer", "main", "figure", "figcaption", "table", "thead", "tbody",
        "tfoot", "tr", "td", "th", "caption", "hr", "address", "center", "body", "html", "hgroup", "details",
        "summary",
    }
)
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
_SKIP_TAGS = frozenset(
    {
        "head", "script", "style", "noscript", "template", "rt", "rp", "aside", "nav", "math", "audio",
        "video", "object", "embed", "iframe", "canvas", "button", "input", "select", "textarea", "img", "map",
        "area", "link", "meta", "title",
    }
)
# epub:type / role values of things that are not read aloud.
_SKIP_TYPES = frozenset(
    {
        "noteref", "footnote", "footnotes", "endnote", "endnotes", "rearnote", "rearnotes", "note", "notes",
        "annoref", "annotation", "pagebreak", "page-list", "toc", "landmarks", "loi", "lot", "backlink",
        "biblioref", "glossref", "doc-noteref", "doc-footnote", "doc-endnote", "doc-endnotes", "doc-pagebreak",
        "doc-backlink", "doc-toc", "doc-pagelist", "doc-biblioref", "doc-glossref",
    }
)
# Class names converters use for the same things when they do not set epub:type.
_SKIP_CLASS = re.compile(
    r"(?:^|[\s_-])(?:page-?num(?:ber)?s?|pagebreak|page-break|pg-?num|footnotes?|endnotes?|noteref|fn-?ref"
    r"|footnote-?ref|note-?ref|rearnotes?)(?:$|[\s_-])",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Verse line numbers ("Hofgarten,<span class="lnum">10</span>"): left out when they hold only a number.
_LINE_NUMBER_CLASS = re.compile(
    r"(?:^|[\s_-])(?:l-?num|line-?num(?:ber)?s?|line-?no|line-?nr|verse-?num|linenumber)(?:$|[\s_-])", re.IGNORECASE
)
_FLOAT_RIGHT = re.compile(r"float\s*:\s*right", re.IGNORECASE)
_RIGHT_CLASS = re.compile(r"(?:^|\s)(?:right|float-?right|f?right-?num|rnum)(?:$|\s)", re.IGNORECASE)
_NUMBER_ONLY = re.compile(r"^\s*[\[(]?\s*(?:\d{1,5}|[ivxlc]{1,8})\s*[\])]?\.?\s*$", re.IGNORECASE)
# The visible text of a note reference link: "1", "[12]", "(3)", "*", "†", "iv".
_NOTE_MARK = re.compile(r"^\s*[\[(]?\s*(?:\d{1,4}|[ivxlc]{1,6}|[a-z]|[*†‡§¶#]+)\s*[\])]?\s*$", re.IGNORECASE)


@dataclass
class DocText:
    paragraphs: list[str] = field(default_factory=list)
    anchors: dict[str, int] = field(default_factory=dict)  # element id -> index of the paragraph it opens
    first_heading: str | None = None
    first_heading_at: int = 0  # the index of that heading's paragraph
    title: str | None = None
    text_chars: int = 0
    link_chars: int = 0  # of which inside <a href>
    root: str | None = None  # the root element's local name: "html", "svg"; "package" is not a content document
    svg_count: int = 0
    edges: set[int] = field(default_factory=set)  # SVG lines alone in a page margin: running heads if repeated

    def drop_paragraphs(self, drop: set[int]) -> None:
        """Remove these paragraphs, keeping every anchor on the paragraph that followed it."""
        kept_before = [0] * (len(self.paragraphs) + 1)
        kept: list[str] = []
        for i, paragraph in enumerate(self.paragraphs):
            kept_before[i] = len(kept)
            if i not in drop:
                kept.append(paragraph)
        kept_before[len(self.paragraphs)] = len(kept)
        self.anchors = {ident: kept_before[index] for ident, index in self.anchors.items()}
        self.edges = {kept_before[i] for i in self.edges if i not in drop}
        self.paragraphs = kept

    def is_link_list(self) -> bool:
        """Mostly links (an HTML table of contents or index), not prose."""
        return len(self.paragraphs) >= 3 and self.link_chars >= 0.6 * self.text_chars


def extract(data: bytes, wanted_ids: frozenset[str] | set[str] = frozenset(), fixed_layout: bool = False,
            budget: ParseBudget | None = None, options: ParseOptions = DEFAULT_OPTIONS) -> DocText:
    """Paragraphs of one content document, and where the ``wanted_ids`` (TOC fragments) fall among them.
    SVG text is read when ``fixed_layout``, or when the document has no other text."""
    root = parse_markup(data)
    if root is None:
        return DocText()
    budget = budget or ParseBudget()
    doc = _walk(root, wanted_ids, budget if fixed_layout else None, options)
    if not fixed_layout and doc.svg_count and not doc.paragraphs:
        doc = _walk(root, wanted_ids, budget, options)
    return doc


def _walk(root: etree._Element, wanted_ids: frozenset[str] | set[str], svg_budget: ParseBudget | None,
          options: ParseOptions) -> DocText:
    """One pass over the document; SVG text is read when given a budget for it."""
    doc = DocText(root=_local(root.tag))
    doc.title = _title(root)
    buffer: list[str] = []
    heading_buffer_start = 0
    heading_depth = 0
    skipped: etree._Element | None = None
    link_depth = 0
    listings = options.code_listings

    def flush() -> None:
        if buffer:
            text = clean_inline("".join(buffer))
            buffer.clear()
            if text:
                doc.paragraphs.append(as_heading(text) if heading_depth else text)

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = _local(el.tag)
        if event == "start":
            if wanted_ids:
                ident = el.get("id") or el.get("name")
                if ident in wanted_ids and ident not in doc.anchors:
                    if heading_depth:  # a TOC target inside a heading: the heading starts the chapter, whole
                        doc.anchors[ident] = heading_buffer_start
                    else:
                        flush()
                        doc.anchors[ident] = len(doc.paragraphs)
            if tag == "svg":
                doc.svg_count += 1
                if svg_budget is not None and not _skipped(el, tag):
                    flush()
                    _add_svg_text(doc, el, svg_budget)
                walker.skip_subtree()
                skipped = el
                continue
            if tag is None or _skipped(el, tag):
                walker.skip_subtree()  # its "end" event still comes, right after, and reads the tail
                skipped = el
                continue
            if tag in ("pre", "code") and listings is not CodeListings.READ and is_listing(el, tag):
                flush()
                _add_listing(doc, el, listings, wanted_ids)
                walker.skip_subtree()
                skipped = el
                continue
            if tag in _BLOCKS:
                flush()
            elif tag == "br":
                buffer.append(" ")
            elif heading_depth and buffer and buffer[-1][-1:].isalnum() and _follows_element(el):
                buffer.append(" ")  # <h1><span>1</span><span>Loomings</span></h1>: "1 Loomings", not "1Loomings"
            if tag in _HEADINGS:
                if not heading_depth:
                    heading_buffer_start = len(doc.paragraphs)
                heading_depth += 1
            if tag == "a" and el.get("href"):
                link_depth += 1
            if el.text:
                buffer.append(el.text)
                _count(doc, el.text, link_depth)
        elif skipped is not None and el is skipped:
            skipped = None
            if el.tail:
                buffer.append(el.tail)
                _count(doc, el.tail, link_depth)
        else:
            if tag in _BLOCKS:
                flush()
            if tag in _HEADINGS:
                heading_depth = max(0, heading_depth - 1)
                if doc.first_heading is None and not heading_depth and len(doc.paragraphs) > heading_buffer_start:
                    doc.first_heading = unmarked(doc.paragraphs[heading_buffer_start])
                    doc.first_heading_at = heading_buffer_start
            if tag == "a" and el.get("href"):
                link_depth -= 1
            if el.tail:
                buffer.append(el.tail)
                _count(doc, el.tail, link_depth)
    flush()
    return doc


def _add_listing(doc: DocText, el: etree._Element, listings: CodeListings,
                 wanted_ids: frozenset[str] | set[str]) -> None:
    if wanted_ids:  # a TOC target inside the listing: the chapter starts where the listing was
        for child in el.iter():
            ident = child.get("id") or child.get("name")
            if ident in wanted_ids and ident not in doc.anchors:
                doc.anchors[ident] = len(doc.paragraphs)
    said = summary(el) if listings is CodeListings.SUMMARISE else ""
    if said:
        doc.paragraphs.append(said)
        doc.text_chars += len(said)


def _follows_element(el: etree._Element) -> bool:
    """Right after a sibling element, with no text between them."""
    previous = el.getprevious()
    return previous is not None and isinstance(previous.tag, str) and not previous.tail


def _add_svg_text(doc: DocText, svg: etree._Element, budget: ParseBudget) -> None:
    for paragraph in svg_paragraphs(svg, budget):
        if paragraph.edge:
            doc.edges.add(len(doc.paragraphs))
        doc.paragraphs.append(paragraph.text)
        doc.text_chars += len(paragraph.text)


def _count(doc: DocText, text: str, link_depth: int) -> None:
    size = len(text.strip())
    doc.text_chars += size
    if link_depth > 0:
        doc.link_chars += size


def _local(tag: object) -> str | None:
    if not isinstance(tag, str):
        return None  # comments, processing instructions, entities
    return tag.rsplit("}", 1)[-1].lower() if "}" in tag else tag.lower()


def _skipped(el: etree._Element, tag: str) -> bool:
    if tag in _SKIP_TAGS:
        return True
    attrib = el.attrib
    if not attrib:
        return False
    for key, value in attrib.items():
        name = key.rsplit("}", 1)[-1] if "}" in key else key
        if name in ("type", "epub:type", "role") and _SKIP_TYPES.intersection(value.lower().split()):
            return True
    if "hidden" in attrib or attrib.get("aria-hidden", "").lower() == "true":
        return True
    style = attrib.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    cls = attrib.get("class")
    if cls and _SKIP_CLASS.search(cls):
        return True
    if tag not in _BLOCKS and _is_line_number(el, cls, style):
        return True
    return tag in ("a", "sup") and _is_note_reference(el, tag)


def _is_line_number(el: etree._Element, cls: str | None, style: str | None) -> bool:
    """A verse line number: a number alone in an element classed as one, or floated to the right margin
    (printed every fifth or tenth line; not four digits: that is more often a year)."""
    marked = bool(cls and _LINE_NUMBER_CLASS.search(cls))
    floated = bool(style and _FLOAT_RIGHT.search(style)) or bool(cls and _RIGHT_CLASS.search(cls))
    if not (marked or floated):
        return False
    text = "".join(el.itertext())
    if not _NUMBER_ONLY.match(text):
        return False
    digits = "".join(c for c in text if c.isdigit())
    return marked or (0 < len(digits) <= 3 and int(digits) % 5 == 0)


def _is_note_reference(el: etree._Element, tag: str) -> bool:
    """An unlabelled footnote link: a short mark like "12" or "*" that links into a document."""
    if tag == "a":
        href = el.get("href") or ""
        if "#" not in href:
            return False
        parent = el.getparent()
        in_sup = parent is not None and _local(parent.tag) == "sup"
        has_sup = any(_local(child.tag) == "sup" for child in el)
        text = "".join(el.itertext())
        return bool(_NOTE_MARK.match(text)) and (in_sup or has_sup or not text.strip().isalpha())
    # <sup> holding only a mark and a link: the reference itself.
    text = "".join(el.itertext())
    return any(_local(child.tag) == "a" for child in el) and bool(_NOTE_MARK.match(text))


def _title(root: etree._Element) -> str | None:
    for el in root.iter("{*}title"):
        text = clean_inline("".join(el.itertext()))
        return text or None
    return None
