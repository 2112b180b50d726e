"""EPUB 2 and 3: ebooklib reads the package (container, OPF metadata, manifest, spine) through our
hardened ZIP reader; chapters follow the spine and are cut and titled by the nav/NCX table of contents."""

from __future__ import annotations

import posixpath
import warnings
from dataclasses import dataclass, field

from ebooklib import epub

from .assemble import RawChapter
from .epub_toc import TocEntry, nav_entries, ncx_entries
from .errors import BookError
from .html_text import DocText, extract
from .safezip import SafeZip
from .textnorm import clean_inline
from .xmlsafe import defused_bytes

CONTAINER = "META-INF/container.xml"
_MARKUP_EXT = (".xhtml", ".html", ".htm", ".xml", ".opf", ".ncx", ".xht")
_HTML_TYPES = {"application/xhtml+xml", "text/html", "application/html"}
_DRM_FREE_ALGORITHMS = {  # font obfuscation, not DRM: the text is readable
    "http://www.idpf.org/2008/embedding",
    "http://ns.adobe.com/pdf/enc#RC",
}
MAX_COVER_BYTES = 10 * 1024 * 1024


@dataclass
class ParsedEpub:
    chapters: list[RawChapter]
    title: str | None
    authors: list[str]
    language: str | None
    cover: bytes | None = None
    cover_media_type: str | None = None
    missing: list[str] = field(default_factory=list)  # spine documents that could not be read


class _Reader(epub.EpubReader):
    """ebooklib's reader, fed from SafeZip, defusing every markup file it reads, skipping media it
    would otherwise load whole, and tolerant of members the manifest names but the archive lacks."""

    def __init__(self, archive: SafeZip) -> None:
        super().__init__("book.epub", {"ignore_ncx": True})
        self.archive = archive
        self.missing: list[str] = []
        self.opf_file: str = ""  # set by _load_container (ebooklib's own attribute, declared for the type checker)

    def _load(self) -> None:
        self.zf = self.archive
        self._load_container()
        self._load_opf_file()

    def read_file(self, name: str) -> bytes:
        name = posixpath.normpath(name)
        if name in (CONTAINER, self.opf_file):
            data = self.archive.read(name)  # KeyError here means the book has no package: fatal
        elif not name.lower().endswith(_MARKUP_EXT):
            return b""  # images, fonts, styles, audio: never needed as text (the cover is read apart)
        else:
            try:
                data = self.archive.read(name)
            except KeyError:
                self.missing.append(name)
                return b""
        return defused_bytes(data)

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


def parse_epub(data: bytes) -> ParsedEpub:
    archive = SafeZip(data)
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
        opf_dir = reader.opf_dir
        spine = _spine_documents(book, opf_dir)
        if not spine:
            raise BookError("This EPUB has no readable chapters: its reading order (spine) is empty.")
        toc = _toc(book, opf_dir)
        chapters = _chapters(spine, toc)
        title = _first_meta(book, "title")
        cover, cover_type = _cover(book, archive, opf_dir)
        return ParsedEpub(
            chapters=chapters,
            title=title,
            authors=[a for a in (clean_inline(v or "") for v, _ in _meta(book, "creator")) if a],
            language=_first_meta(book, "language"),
            cover=cover,
            cover_media_type=cover_type,
            missing=reader.missing,
        )
    finally:
        archive.close()


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


def _spine_documents(book: epub.EpubBook, opf_dir: str) -> dict[str, bytes]:
    """Archive path -> (defused) content of the linear content documents, in reading order. Items that
    are missing from the manifest or the archive are skipped."""
    documents: dict[str, bytes] = {}
    for entry in book.spine:
        idref, linear = (entry if isinstance(entry, tuple) else (entry, "yes"))[:2]
        item = book.get_item_with_id(idref)
        if item is None or str(linear).lower() == "no" or isinstance(item, (epub.EpubNav, epub.EpubCoverHtml)):
            continue
        name = item.file_name or ""
        if item.media_type not in _HTML_TYPES and not name.lower().endswith((".xhtml", ".html", ".htm", ".xht")):
            continue
        path = posixpath.normpath(posixpath.join(opf_dir, name))
        if item.content and path not in documents:  # empty: the archive lacks it (see _Reader.read_file)
            documents[path] = item.content
    return documents


def _toc(book: epub.EpubBook, opf_dir: str) -> list[TocEntry]:
    """Nav document first (EPUB 3), else NCX (EPUB 2). Items found by manifest properties/media type."""
    for item in book.get_items():
        if isinstance(item, epub.EpubNav):
            path = posixpath.normpath(posixpath.join(opf_dir, item.file_name))
            entries = nav_entries(item.content or b"", path)
            if entries:
                return entries
    for item in book.get_items():
        if isinstance(item, epub.EpubNcx):
            path = posixpath.normpath(posixpath.join(opf_dir, item.file_name))
            entries = ncx_entries(item.content or b"", path)
            if entries:
                return entries
    return []


def _chapters(spine: dict[str, bytes], toc: list[TocEntry]) -> list[RawChapter]:
    in_spine = set(spine)
    by_path: dict[str, list[TocEntry]] = {}
    seen: set[tuple[str, str | None, str]] = set()
    for entry in toc:
        key = (entry.path, entry.fragment, entry.title)
        if entry.path in in_spine and key not in seen:
            seen.add(key)
            by_path.setdefault(entry.path, []).append(entry)
    chapters: list[RawChapter] = []
    current: RawChapter | None = None
    for number, (path, data) in enumerate(spine.items(), start=1):
        entries = by_path.get(path, [])
        doc = extract(data, {e.fragment for e in entries if e.fragment})
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
                if current is None:  # text before the first TOC entry: front matter
                    current = RawChapter(_doc_title(doc, number))
                    chapters.append(current)
                current.paragraphs.extend(doc.paragraphs[previous:position])
            if current is not None and started_at == position and not current.paragraphs:
                # Two entries at the same spot ("Part One", "Chapter 1"): one chapter, both names.
                current.title = f"{current.title} — {title}"
            else:
                current = RawChapter(title)
                chapters.append(current)
                started_at = position
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


def _doc_title(doc: DocText, number: int) -> str:
    for candidate in (doc.first_heading, doc.title):
        if candidate and len(candidate) <= 120:
            return candidate
    return f"Chapter {number}"


def _cover(book: epub.EpubBook, archive: SafeZip, opf_dir: str) -> tuple[bytes | None, str | None]:
    candidates: list[epub.EpubItem] = [i for i in book.get_items() if isinstance(i, epub.EpubCover)]
    # ebooklib files <meta name="cover" content="..."/> under "meta" (or "cover", depending on version).
    metas = _opf_meta(book, "cover") + [m for m in _opf_meta(book, "meta") if (m[1] or {}).get("name") == "cover"]
    for _, attrs in metas:
        ref = (attrs or {}).get("content", "")
        item = book.get_item_with_id(ref) or book.get_item_with_href(ref)  # an id, or (wrongly) a path
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
            data = archive.read(posixpath.normpath(posixpath.join(opf_dir, item.file_name)))
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
