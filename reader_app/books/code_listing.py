"""Program listings in technical EPUBs: told apart from verse or tables set in `<pre>`, and summarised.

Read verbatim a listing is minutes of "open paren, x, equals" (one technical EPUB had 115 of its 1,411 units
in listings); by default it becomes one short unit saying what is there (ParseOptions.code_listings).
"""

from __future__ import annotations

import re

from lxml import etree

# Classes converters put on listings (DocBook programlisting/screen, Pygments highlight, Pandoc sourceCode,
# Prism language-*, Sphinx literal-block ...).
_CODE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:code|program-?listing|listing|source-?code|screen|highlight|literal-?block|src|syntax"
    r"|language|lang|prettyprint|console|terminal|shell|example-code)(?:$|[\s_-])",
    re.IGNORECASE,
)
_CODE_MARKS = re.compile(r"[{}\[\]()<>=_#$\\|&*/+@;]")
CODE_MARK_SHARE = 0.06  # of non-space characters: verse and prose stay far below, code far above
_LINE_NUMBERS = re.compile(r"^[\s\d]*$")  # a gutter of line numbers beside a listing (Pygments' linenos)


def is_listing(el: etree._Element, tag: str) -> bool:
    """A `<pre>` that holds code (by its markup, or by how its text looks), or a `<code>` set as a block."""
    text = "".join(el.itertext())
    if not text.strip():
        return False
    if tag == "pre":
        gutter = _LINE_NUMBERS.match(text) is not None and "\n" in text.strip()
        return gutter or _marked_as_code(el) or _looks_like_code(text)
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) >= 2:
        return True
    parent = el.getparent()
    if parent is None or _local(parent.tag) in ("pre", "code"):
        return False
    # The only thing in a div/figure/li: a one-line listing, not a word in a sentence.
    alone = not (parent.text or "").strip() and not (el.tail or "").strip() and len(parent) == 1
    return alone and _local(parent.tag) in ("div", "figure", "li", "section", "td", "dd", "blockquote")


def summary(el: etree._Element) -> str:
    """What is said instead of the listing, or "" for a gutter of line numbers."""
    text = "".join(el.itertext())
    if _LINE_NUMBERS.match(text):
        return ""
    lines = sum(1 for line in text.splitlines() if line.strip())
    return f"Code listing, {lines} line{'s' if lines != 1 else ''}."


def _marked_as_code(el: etree._Element) -> bool:
    if any(_local(child.tag) in ("code", "kbd", "samp") for child in el.iter()):
        return True
    parent = el.getparent()
    for node in (el, parent):
        if node is not None and _CODE_CLASS.search(node.get("class", "") + " " + node.get("data-type", "")):
            return True
    return False


def _looks_like_code(text: str) -> bool:
    visible = "".join(text.split())
    return bool(visible) and len(_CODE_MARKS.findall(visible)) >= CODE_MARK_SHARE * len(visible)


def _local(tag: object) -> str | None:
    if not isinstance(tag, str):
        return None
    return tag.rsplit("}", 1)[-1].lower() if "}" in tag else tag.lower()
