"""Running headers and footers of fixed-layout pages: a line alone in the top or bottom margin of an SVG page
(svg_text marks it an edge) whose text, numbers aside, recurs so on several pages is page furniture, not
text to read."""

from __future__ import annotations

import re
from collections import Counter

from .html_text import DocText

MIN_PAGES = 3  # a title that recurs on this many pages' margins is a running header
_NOT_WORDS = re.compile(r"[\W\d_]+")


def drop_running_heads(docs: list[DocText]) -> None:
    keys: list[dict[int, str]] = [{i: _key(doc.paragraphs[i]) for i in doc.edges} for doc in docs]
    pages = Counter(key for page in keys for key in set(page.values()))
    for doc, page in zip(docs, keys, strict=True):
        drop = {i for i, key in page.items() if pages[key] >= MIN_PAGES}
        if drop:
            doc.drop_paragraphs(drop)


def _key(text: str) -> str:
    """ "12 · THE LITTLE FOX" and "The Little Fox 13" are one running header."""
    return " ".join(_NOT_WORDS.sub(" ", text.casefold()).split())
