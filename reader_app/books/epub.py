"""EPUB 2 and 3: ebooklib reads the package (container, OPF metadata, manifest, spine) through our hardened
ZIP reader; the spine documents and the table of contents are read here, one document at a time and only
those. Chapters follow the spine and are cut and titled by the nav/NCX table of contents."""

from __future__ import annotations

import posixpath
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ebooklib import epub

from .assemble import RawChapter
from .budget import ParseBudget
from .epub_toc import TocEntry, nav_entries, ncx_entries
from .errors import BookError
from .furniture import drop_running_heads
from .html_text import DocText, extract
from .limits import MAX_PACKAGE_BYTES, MAX_SPINE_ENTRIES, MAX_TITLES_JOINED
from .options import DEFAULT_OPTIONS, ParseOptions
from .safezip import SafeZip
from .textnorm import clean_inline
from .xmlsafe import defused_bytes

CONTAINER = "META-INF/container.xml"
_HTML_TYPES = {"application/xhtml+xml", "text/html", "application/html"}
_SVG_TYPE = "image/svg+xml"
_DOCUMENT_EXT = (".xhtml", ".html", ".htm", ".xht")
# Root elements of content documents; anything else in the spine (the OPF itself, an NCX, a stray XML
# file) is not text to read.
_CONTENT_ROOTS = {"html", "svg"}
_XHTML_NS = "{http://www.w3.org/1999/xhtml}"
_DRM_FREE_ALGORITHMS = {  # font obfuscation, not DRM: the text is readable
    "http://www.idpf.org/2008/embedding",
    "http://ns.adobe.com/pdf/enc#RC",
}
MAX_COVER_BYTES = 10 * 1024 * 1024
_PROBLEMS_SHOWN = 3


@dataclass
class ParsedEpub:
    chapters: list[RawChapter]
    title: str | None
    authors: list[str]
    language: str | None
    cover: bytes | None = None
    cover_media_type: str | None = None
    year: str | None = None
    missing: list[str] = field(default_factory=list)  # spine documents that could not be read, and why


class _Reader(epub.EpubReader):
    """ebooklib's reader, fed from SafeZip. It reads the container and the package document (defused);
    every other member it would read (it loads the whole manifest) is left unread here."""

    def __init__(self, archive: SafeZip) -> None:
        super().__init__("book.epub", {"ignore_ncx": True})
        self.archive = archive
        self.opf_file: str = ""  # set by _load_container (ebooklib's own attribute, declared for the type checker)

    def _load(self) -> None:
        self.zf = self.archive
        self._load_container()
        self._load_opf_file()

    def read_file(self, name: str) -> bytes:
        name = posixpath.normpath(name)
        if name not in (CONTAINER, self.opf_file):
            return b""  # documents, images, fonts: read on demand (documents) or never (media)
        if name == self.opf_file and self.archive.size(name) > MAX_PACKAGE_BYTES:  # KeyError: no package
            limit = MAX_PACKAGE_BYTES // 2**20
            raise BookError(f"This EPUB's package document is too large to read safely (over {limit} MB).")
        return defused_bytes(self.archive.read(name))

    def _load_container(self) -> None:
        try:
            super()._load_container()
        except KeyError:
            pass
        if not self.opf_file or self.opf_file not in self.archive:
            # No or broken container.xml: a lone package document is still a book.
            opfs = sorted(n for n in self.archive.names() if n.lower().endswith(".opf"))
            if not opfs:
                raise BookError("This EPUB is damaged: it has no package document (META-INF/container.xml or .opf).")
            self.opf_file = opfs[0]
            self.opf_dir = posixpath.dirname(self.opf_file)

    def _load_spine(self) -> None:
        try:
            super()._load_spine()
        except Exception:
            # Only the NCX lookup after the spine can fail here, and we read the TOC ourselves.
            if not self.book.spine:
                raise

    def _parse_nav(self, data: bytes, base_path: str, navtype: str = "toc") -> None:  # ebooklib's signature
        return None  # epub_toc reads the TOC, more tolerantly

    def _parse_ncx(self, data: bytes) -> None:
        return None


class _Manifest:
    """The manifest indexed once (ebooklib looks an id up by scanning every item: quadratic over a spine)."""

    def __init__(self, book: epub.EpubBook, opf_dir: str) -> None:
        self.opf_dir = opf_dir
        self.by_id: dict[str, epub.EpubItem] = {}
        self.by_href: dict[str, epub.EpubItem] = {}
        for item in book.get_items():
            self.by_id.setdefault(item.id, item)  # duplicate ids: the first wins, as in ebooklib
            self.by_href.setdefault(item.file_name or "", item)

    def path(self, item: epub.EpubItem) -> str:
        return posixpath.normpath(posixpath.join(self.opf_dir, item.file_name or ""))


def parse_epub(source: bytes | Path, budget: ParseBudget | None = None,
               options: ParseOptions = DEFAULT_OPTIONS) -> ParsedEpub:
    """``source``: the EPUB's bytes or its path."""
    budget = budget or ParseBudget()
    archive = SafeZip(source)
    try:
        _refuse_drm(archive)
        reader = _Reader(archive)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                book = reader.load()
        except BookError:
            raise
        except Exception as exc:  # noqa: BLE001 - ebooklib raises anything from KeyError to AttributeError
            raise BookError(f"This EPUB is damaged: its package document could not be read ({_why(exc)}).") from None
        manifest = _Manifest(book, reader.opf_dir)
        spine = _spine_paths(book, manifest, reader.opf_file)
        toc = _toc(book, manifest, archive, budget)
        texts, problems = _read_documents(archive, spine, toc, budget, _is_fixed_layout(book), options)
        if not texts:
            raise BookError(_no_chapters(spine, problems))
        drop_running_heads([doc for _, doc in texts])
        chapters = _chapters(texts, toc)
        title = _first_meta(book, "title")
        cover, cover_type = _cover(book, manifest, archive)
        return ParsedEpub(
            chapters=chapters,
            title=title,
            authors=[a for a in (clean_inline(v or "") for v, _ in _meta(book, "creator")) if a],
            language=_first_meta(book, "language"),
            cover=cover,
            cover_media_type=cover_type,
            year=publication_year(v for v, _ in _meta(book, "date")),
            missing=problems,
        )
    finally:
        archive.close()


def publication_year(dates: Iterable[str | None]) -> str | None:
    """The year of the first dc:date that has one ("2009-05-01", "1865", "c. 1899" ...); EPUB 2 may list several
    (creation, publication, modification): the first is the one readers show."""
    for value in dates:
        match = re.search(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)", value or "")
        if match:
            return match.group(1)
    return None


def _spine_paths(book: epub.EpubBook, manifest: _Manifest, opf_path: str) -> list[str]:
    """Archive paths of the linear content documents, in reading order, each once. Items that are missing
    from the manifest, non-linear (notes), the nav document or not (X)HTML/SVG are left out."""
    if len(book.spine) > MAX_SPINE_ENTRIES:
        raise BookError(f"This EPUB's reading order lists {len(book.spine):,} documents, more than a book can "
                        f"hold (at most {MAX_SPINE_ENTRIES:,}).")
    paths: list[str] = []
    seen = {opf_path}
    for entry in book.spine:
        idref, linear = (entry if isinstance(entry, tuple) else (entry, "yes"))[:2]
        item = manifest.by_id.get(idref)
        if item is None or str(linear).lower() == "no" or isinstance(item, (epub.EpubNav, epub.EpubCoverHtml)):
            continue
        name = (item.file_name or "").lower()
        if item.media_type not in _HTML_TYPES and item.media_type != _SVG_TYPE and not name.endswith(_DOCUMENT_EXT):
            continue
        path = manifest.path(item)
        if path not in seen:
            seen.add(path)
            paths.append(path)
    return paths


def _read_documents(archive: SafeZip, spine: list[str], toc: list[TocEntry], budget: ParseBudget,
                    fixed_layout: bool, options: ParseOptions) -> tuple[list[tuple[str, DocText]], list[str]]:
    """Each spine document read, measured against the budget and reduced to its text, one at a time (only
    one document's markup and tree are in memory at once). Also what could not be read, and why."""
    fragments: dict[str, set[str]] = {}
    for entry in toc:
        if entry.fragment:
            fragments.setdefault(entry.path, set()).add(entry.fragment)
    texts: list[tuple[str, DocText]] = []
    problems: list[str] = []
    for path in spine:
        try:
            data = archive.read(path)
        except KeyError:
            problems.append(f"{path} {archive.why_unreadable(path)}")
            continue
        if not data.strip():
            continue
        budget.spend_markup(data)
        doc = extract(data, fragments.get(path, set()), fixed_layout, budget, options)
        del data
        if not _is_content(doc):
            continue
        budget.spend_paragraphs(len(doc.paragraphs), sum(len(p) for p in doc.paragraphs))
        texts.append((path, doc))
    return texts, problems


def _is_content(doc: DocText) -> bool:
    root = doc.root or ""
    return root in _CONTENT_ROOTS or root.startswith(_XHTML_NS)


def _no_chapters(spine: list[str], problems: list[str]) -> str:
    if not problems:
        if spine:
            return "This EPUB has no readable chapters: its reading order (spine) lists no content documents."
        return "This EPUB has no readable chapters: its reading order (spine) is empty."
    shown = "; ".join(problems[:_PROBLEMS_SHOWN])
    more = f"; and {len(problems) - _PROBLEMS_SHOWN} more" if len(problems) > _PROBLEMS_SHOWN else ""
    return f"This EPUB has no readable chapters: {shown}{more}."


def _is_fixed_layout(book: epub.EpubBook) -> bool:
    """Pre-paginated (EPUB 3 rendition:layout, or the older fixed-layout meta): pages, not reflowable text."""
    for value, attrs in _opf_meta(book, "meta"):
        attrs = attrs or {}
        if attrs.get("property") == "rendition:layout" and (value or "").strip() == "pre-paginated":
            return True
        if attrs.get("name") == "fixed-layout" and attrs.get("content", "").strip().lower() == "true":
            return True
    return False


def _refuse_drm(archive: SafeZip) -> None:
    if "META-INF/encryption.xml" not in archive:
        return
    text = defused_bytes(archive.read("META-INF/encryption.xml")).decode("utf-8", "replace")
    algorithms = {part.split('"')[0].split("'")[0] for part in text.split("Algorithm=")[1:]}
    algorithms = {a.strip("\"' ") for a in algorithms}
    if "EncryptedData" in text and algorithms - _DRM_FREE_ALGORITHMS:
        raise BookError("This EPUB is protected by DRM (encrypted), so its text cannot be read.")


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _meta(book: epub.EpubBook, name: str) -> list[tuple[str | None, dict]]:
    try:
        return book.get_metadata("DC", name) or []
    except Exception:  # noqa: BLE001 - malformed metadata must not lose the book
        return []


def _first_meta(book: epub.EpubBook, name: str) -> str | None:
    for value, _ in _meta(book, name):
        text = clean_inline(value or "")
        if text:
            return text
    return None


def _toc(book: epub.EpubBook, manifest: _Manifest, archive: SafeZip, budget: ParseBudget) -> list[TocEntry]:
    """Nav document first (EPUB 3), else NCX (EPUB 2). Items found by manifest properties/media type."""
    for kind, read in ((epub.EpubNav, nav_entries), (epub.EpubNcx, ncx_entries)):
        for item in book.get_items():
            if not isinstance(item, kind):
                continue
            path = manifest.path(item)
            try:
                data = archive.read(path)
            except KeyError:
                continue
            budget.spend_markup(data)
            entries = read(data, path)
            if entries:
                return entries
    return []


def _chapters(texts: list[tuple[str, DocText]], toc: list[TocEntry]) -> list[RawChapter]:
    in_spine = {path for path, _ in texts}
    by_path: dict[str, list[TocEntry]] = {}
    seen: set[tuple[str, str | None, str]] = set()
    for entry in toc:
        key = (entry.path, entry.fragment, entry.title)
        if entry.path in in_spine and key not in seen:
            seen.add(key)
            by_path.setdefault(entry.path, []).append(entry)
    chapters: list[RawChapter] = []
    current: RawChapter | None = None
    names_here = 0  # TOC names the current chapter carries, when several entries point at one spot
    for number, (path, doc) in enumerate(texts, start=1):
        entries = by_path.get(path, [])
        if doc.is_link_list() and not entries:
            continue  # an HTML table of contents in the reading order: nothing to narrate
        if not by_path:
            # No usable TOC: every spine document is a chapter, named by its own heading.
            chapters.append(RawChapter(_doc_title(doc, number), doc.paragraphs))
            continue
        previous = 0
        started_at: int | None = None  # where the last chapter opened in this document
        for position, title in _boundaries(doc, entries):
            if position > previous:
                if current is None:  # text before the first TOC entry: front matter, named by what is in it
                    current = RawChapter(_doc_title(doc, number, position, title))
                    chapters.append(current)
                current.paragraphs.extend(doc.paragraphs[previous:position])
            if current is not None and started_at == position and not current.paragraphs:
                # Two entries at the same spot ("Part One", "Chapter 1"): one chapter, both names (a few).
                if names_here < MAX_TITLES_JOINED:
                    current.title = f"{current.title} — {title}"
                    names_here += 1
            else:
                current = RawChapter(title)
                chapters.append(current)
                started_at = position
                names_here = 1
            previous = position
        rest = doc.paragraphs[previous:]
        if rest:
            if current is None:
                current = RawChapter(_doc_title(doc, number))
                chapters.append(current)
            current.paragraphs.extend(rest)
    return chapters


def _boundaries(doc: DocText, entries: list[TocEntry]) -> list[tuple[int, str]]:
    """(paragraph index, title) where each TOC entry starts a chapter in this document, in text order."""
    found: list[tuple[int, int, str]] = []
    unresolved: list[TocEntry] = []
    for order, entry in enumerate(entries):
        if entry.fragment is None:
            found.append((0, order, entry.title))
        elif entry.fragment in doc.anchors:
            found.append((doc.anchors[entry.fragment], order, entry.title))
        else:
            unresolved.append(entry)
    if not found and unresolved:
        found.append((0, 0, unresolved[0].title))  # a broken fragment still names the document
    return [(position, title) for position, _, title in sorted(found)]


def _doc_title(doc: DocText, number: int, before: int | None = None, next_title: str = "") -> str:
    """A document's name; for the front matter ``before`` a TOC entry, never that entry's own heading."""
    heading = doc.first_heading if before is None or doc.first_heading_at < before else None
    for candidate in (heading, doc.title):
        if candidate and len(candidate) <= 120 and (before is None or candidate != next_title):
            return candidate
    return f"Chapter {number}"


def _cover(book: epub.EpubBook, manifest: _Manifest, archive: SafeZip) -> tuple[bytes | None, str | None]:
    candidates: list[epub.EpubItem] = [i for i in book.get_items() if isinstance(i, epub.EpubCover)]
    # ebooklib files <meta name="cover" content="..."/> under "meta" (or "cover", depending on version).
    metas = _opf_meta(book, "cover") + [m for m in _opf_meta(book, "meta") if (m[1] or {}).get("name") == "cover"]
    for _, attrs in metas:
        ref = (attrs or {}).get("content", "")
        item = manifest.by_id.get(ref) or manifest.by_href.get(ref)  # an id, or (wrongly) a path
        if item is not None:
            candidates.append(item)
    candidates += [
        i for i in book.get_items()
        if (i.media_type or "").startswith("image/") and "cover" in f"{i.id} {i.file_name}".lower()
    ]
    for item in candidates:
        if not (item.media_type or "").startswith("image/"):
            continue
        try:
            if archive.size(manifest.path(item)) > MAX_COVER_BYTES:
                continue
            data = archive.read(manifest.path(item))
        except KeyError:
            continue
        if 0 < len(data) <= MAX_COVER_BYTES:
            return data, item.media_type
    return None, None


def _opf_meta(book: epub.EpubBook, name: str) -> list[tuple[str | None, dict]]:
    try:
        return book.get_metadata("OPF", name) or []
    except Exception:  # noqa: BLE001
        return []
