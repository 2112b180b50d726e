"""The table of contents of an EPUB, flattened: EPUB 3 nav document, else the EPUB 2 NCX.

Read with our own defused lxml parse rather than ebooklib's, which crashes on NCX/nav variants found in
the wild (empty labels, a nav without epub:type="toc") and drops entries that have no link.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from lxml import etree

from .limits import MAX_TOC_ENTRIES
from .textnorm import cap_title, clean_inline
from .xmlsafe import parse_markup


@dataclass(frozen=True)
class TocEntry:
    path: str  # archive path of the content document, normalised
    fragment: str | None  # element id inside it, or None for the document's start
    title: str
    depth: int  # 0 for top-level entries


def resolve_href(base_path: str, href: str) -> tuple[str, str | None] | None:
    """An href found in ``base_path`` -> (archive path, fragment); None for external or empty links."""
    parts = urlsplit(href.strip())
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if path:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(base_path), path))
    else:
        path = base_path
    if path.startswith("../") or path == "..":
        return None
    return path, (unquote(parts.fragment) or None)


def nav_entries(data: bytes, nav_path: str) -> list[TocEntry]:
    """The entries of the nav document's TOC (the first <nav> if none says epub:type="toc"), in order, at
    most MAX_TOC_ENTRIES."""
    root = parse_markup(data)
    if root is None:
        return []
    navs = [el for el in root.iter("{*}nav", "nav")]
    toc = next((n for n in navs if "toc" in _types(n)), None)
    if toc is None and navs:
        toc = navs[0]
    if toc is None:
        return []
    entries: list[TocEntry] = []
    depth = -1  # of the <li> being read: counted on the way down and up, never by walking ancestors
    for event, li in etree.iterwalk(toc, events=("start", "end"), tag=("{*}li", "li")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        label_el = next((c for c in li if _local(c.tag) in ("a", "span")), None)
        if label_el is None or _local(label_el.tag) != "a" or not label_el.get("href"):
            continue  # a heading-only entry: its children carry the links
        target = resolve_href(nav_path, label_el.get("href", ""))
        title = _title("".join(label_el.itertext())) or _title(label_el.get("title", ""))
        if target and title:
            entries.append(TocEntry(target[0], target[1], title, depth))
            if len(entries) >= MAX_TOC_ENTRIES:
                break
    return entries


def ncx_entries(data: bytes, ncx_path: str) -> list[TocEntry]:
    root = parse_markup(data)
    if root is None:
        return []
    entries: list[TocEntry] = []
    depth = -1
    for event, point in etree.iterwalk(root, events=("start", "end"), tag=("{*}navPoint", "navPoint")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        label = next((c for c in point if _local(c.tag) == "navlabel"), None)
        content = next((c for c in point if _local(c.tag) == "content"), None)
        if content is None or not content.get("src"):
            continue
        title = _title("".join(label.itertext())) if label is not None else ""
        target = resolve_href(ncx_path, content.get("src", ""))
        if target and title:
            entries.append(TocEntry(target[0], target[1], title, depth))
            if len(entries) >= MAX_TOC_ENTRIES:
                break
    return entries


def _title(text: str) -> str:
    return cap_title(clean_inline(text))


def _types(el: etree._Element) -> set[str]:
    out: set[str] = set()
    for key, value in el.attrib.items():
        if key.rsplit("}", 1)[-1] in ("type", "epub:type", "role"):
            out.update(v.removeprefix("doc-") for v in value.lower().split())
    return out


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()
