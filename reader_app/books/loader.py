"""load_book: one entry point for every format; picks the reader, then language, sentences and ids."""

from __future__ import annotations

import gc
import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import language
from .assemble import RawChapter, build_chapters
from .epub import parse_epub
from .errors import BookError
from .limits import MAX_FILE_BYTES, MAX_TXT_BYTES
from .model import Book, BookMetadata
from .txt import parse_txt

# Bump whenever a change to parsing can change chapters, sentence texts or ids: stored positions and
# cached audio keyed by sentence id must then be re-mapped (the store compares Book.parser_version).
PARSER_VERSION = 1

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_UNSUPPORTED_MAGIC = {
    b"%PDF": "PDF",
    b"BOOKMOBI": "MOBI",
    b"\x7fELF": "a program",
}
LANGUAGE_SAMPLE_CHARS = 20_000
_log = logging.getLogger(__name__)


def load_book(path: str | Path) -> Book:
    """Parse an EPUB or TXT file into a Book. Raises BookError (one-line message) if it cannot be read."""
    path = Path(path).expanduser().absolute()  # the library keeps it: independent of the working directory
    data = _read(path)
    fingerprint = hashlib.sha256(data).hexdigest()
    kind = _sniff(path, data)
    try:
        return _parse(path, data, fingerprint, kind)
    except BookError:
        raise
    except MemoryError:
        raise BookError(f"“{path.name}” is too large to read with the memory available.") from None
    except Exception as exc:  # noqa: BLE001 - a malformed book must never crash the app
        # Any other failure is a bug to fix, but the user still gets a clear message instead of a crash.
        _log.exception("unexpected error while parsing %s", path)
        raise BookError(f"“{path.name}” could not be read ({type(exc).__name__}: {exc}).") from None


def _parse(path: Path, data: bytes, fingerprint: str, kind: str) -> Book:
    if kind == "epub":
        parsed = parse_epub(data)
        raw, title, authors, meta_lang = parsed.chapters, parsed.title, parsed.authors, parsed.language
        cover, cover_type = parsed.cover, parsed.cover_media_type
    else:
        if len(data) > MAX_TXT_BYTES:
            raise BookError(f"This text file is too large to be a book ({len(data) // 2**20} MB).")
        text = parse_txt(data, _title_from_filename(path))
        raw, title, authors, meta_lang = text.chapters, text.title, text.authors, text.language
        cover, cover_type = None, None
    tag = language.choose(language.normalize_tag(meta_lang), _sample(raw))
    with _gc_paused():
        chapters = build_chapters(raw, language.primary_subtag(tag))
    if not chapters:
        raise BookError(f"“{path.name}” contains no readable text.")
    metadata = BookMetadata(
        title=title or _title_from_filename(path),
        authors=tuple(authors),
        language=tag,
        cover_image=cover,
        cover_media_type=cover_type,
    )
    return Book(
        path=path,
        fingerprint=fingerprint,
        format=kind,
        metadata=metadata,
        chapters=chapters,
        parser_version=PARSER_VERSION,
        tts_language=language.tts_language(tag),
    )


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Building a book allocates ~1 object per sentence, none of them cyclic: the collector's passes
    # over them cost ~10% of parse time for nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise BookError(f"“{path.name}” is a folder, not a book file.")
        if size > MAX_FILE_BYTES:
            raise BookError(f"“{path.name}” is too large to be a book ({size // 2**20} MB).")
        data = path.read_bytes()
    except FileNotFoundError:
        raise BookError(f"Book file not found: {path}") from None
    except PermissionError:
        raise BookError(f"No permission to read the book file: {path}") from None
    except OSError as exc:
        raise BookError(f"Could not read the book file {path}: {exc.strerror or exc}") from None
    if not data.strip():
        raise BookError(f"“{path.name}” is empty.")
    return data


def _sniff(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if data.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        if suffix in (".epub", ".zip", ".kepub", "") or b"mimetypeapplication/epub+zip" in data[:100]:
            return "epub"
        raise BookError(f"“{path.name}” is a ZIP archive, not an EPUB or text book.")
    for magic, name in _UNSUPPORTED_MAGIC.items():
        if data[:68].startswith(magic) or (magic == b"BOOKMOBI" and data[60:68] == magic):
            raise BookError(f"“{path.name}” is {name}, which is not supported: open an EPUB or TXT file.")
    if suffix == ".epub":
        raise BookError(f"“{path.name}” is not a valid EPUB: it is not a ZIP archive.")
    return "txt"


def _title_from_filename(path: Path) -> str:
    return re.sub(r"[_]+", " ", path.stem).strip() or "Untitled"


def _sample(raw: list[RawChapter]) -> str:
    """Text for language detection, from the middle of the book (front matter is often in English)."""
    start = len(raw) // 3
    parts: list[str] = []
    size = 0
    for chapter in raw[start:] + raw[:start]:
        for paragraph in chapter.paragraphs:
            parts.append(paragraph)
            size += len(paragraph)
            if size >= LANGUAGE_SAMPLE_CHARS:
                return " ".join(parts)[:LANGUAGE_SAMPLE_CHARS]
    return " ".join(parts)
