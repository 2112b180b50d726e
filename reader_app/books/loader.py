"""load_book: one entry point for every format; picks the reader, then language, sentences and ids."""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import language
from .assemble import RawChapter, build_chapters, merge_chapters
from .budget import ParseBudget
from .epub import parse_epub
from .errors import BookError, display_name, printable
from .limits import MAX_FILE_BYTES, MAX_TXT_BYTES
from .model import Book, BookMetadata
from .options import DEFAULT_OPTIONS, ParseOptions
from .txt import parse_txt

# Bump whenever a change to parsing can change chapters, sentence texts or ids: stored positions and
# cached audio keyed by sentence id must then be re-mapped (the store compares Book.parser_version).
PARSER_VERSION = 3  # 2: SVG text of fixed-layout pages, repaired character references, capped titles; 3: issue 19

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_UNSUPPORTED_MAGIC = {
    b"%PDF": "PDF",
    b"BOOKMOBI": "MOBI",
    b"\x7fELF": "a program",
}
LANGUAGE_SAMPLE_CHARS = 20_000
HEAD_BYTES = 4096  # enough to recognise every format we know
_log = logging.getLogger(__name__)

BookPath = str | bytes | os.PathLike[str] | os.PathLike[bytes]


def load_book(path: BookPath, options: ParseOptions = DEFAULT_OPTIONS) -> Book:
    """Parse an EPUB or TXT file into a Book. Raises BookError (one-line message) if it cannot be read.
    ``options``: what the user chose to have read (code listings).

    ``path`` may be bytes or hold bytes that are not UTF-8 (as the OS hands over a file name in another
    encoding, kept as lone surrogates by "surrogateescape"): the file opens all the same, and messages and
    titles show such bytes as U+FFFD."""
    path = _as_path(path)
    size, head = _open_head(path)
    kind = _sniff(path, head)
    try:
        return _parse(path, size, kind, options)
    except BookError:
        raise
    except MemoryError:
        raise BookError(f"“{display_name(path)}” is too large to read with the memory available.") from None
    except Exception as exc:  # noqa: BLE001 - a malformed book must never crash the app
        # Any other failure is a bug to fix, but the user still gets a clear message instead of a crash.
        _log.exception("unexpected error while parsing %s", printable(str(path)))
        raise BookError(f"“{display_name(path)}” could not be read ({type(exc).__name__}: {exc}).") from None


def _as_path(path: BookPath) -> Path:
    raw = os.fspath(path)
    if isinstance(raw, bytes):
        raw = os.fsdecode(raw)  # undecodable bytes become lone surrogates, which os calls turn back into bytes
    return Path(raw).expanduser().absolute()  # the library keeps it: independent of the working directory


def _parse(path: Path, size: int, kind: str, options: ParseOptions) -> Book:
    budget = ParseBudget()
    if kind == "epub":
        fingerprint = _file_sha256(path)  # the archive is read member by member, never whole
        parsed = parse_epub(path, budget, options)
        raw, title, authors, meta_lang = parsed.chapters, parsed.title, parsed.authors, parsed.language
        cover, cover_type, year = parsed.cover, parsed.cover_media_type, parsed.year
    else:
        if size > MAX_TXT_BYTES:
            raise BookError(f"This text file is too large to be a book ({size // 2**20} MB; "
                            f"at most {MAX_TXT_BYTES // 2**20} MB).")
        data = _read(path)
        fingerprint = hashlib.sha256(data).hexdigest()
        text = parse_txt(data, _title_from_filename(path), budget)
        del data
        raw, title, authors, meta_lang = text.chapters, text.title, text.authors, text.language
        cover, cover_type, year = None, None, None
    raw = merge_chapters(raw)
    tag = language.choose(language.normalize_tag(meta_lang), _sample(raw))
    with _gc_paused():
        chapters = build_chapters(raw, language.primary_subtag(tag), budget)
    del raw
    if not chapters:
        raise BookError(f"“{display_name(path)}” contains no readable text.")
    metadata = BookMetadata(
        title=title or _title_from_filename(path),
        authors=tuple(authors),
        language=tag,
        cover_image=cover,
        cover_media_type=cover_type,
        year=year,
    )
    return Book(
        path=path,
        fingerprint=fingerprint,
        format=kind,
        metadata=metadata,
        chapters=chapters,
        parser_version=PARSER_VERSION,
        tts_language=language.tts_language(tag),
        warnings=tuple(w for w in (language.unsupported_warning(tag),) if w),
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


def _open_head(path: Path) -> tuple[int, bytes]:
    """The file's size and first bytes; BookError for a missing, unreadable, empty or oversized file."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise BookError(f"“{display_name(path)}” is a folder, not a book file.")
        if not stat.S_ISREG(mode):  # a device or a pipe: reading it might never end
            raise BookError(f"“{display_name(path)}” is not a regular file.")
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise BookError(f"“{display_name(path)}” is too large to be a book ({size // 2**20} MB).")
            head = handle.read(HEAD_BYTES)
    except FileNotFoundError:
        raise BookError(f"Book file not found: {printable(str(path))}") from None
    except PermissionError:
        raise BookError(f"No permission to read the book file: {printable(str(path))}") from None
    except OSError as exc:
        raise BookError(f"Could not read the book file {printable(str(path))}: {exc.strerror or exc}") from None
    if not head.strip() and size <= len(head):
        raise BookError(f"“{display_name(path)}” is empty.")
    return size, head


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BookError(f"Could not read the book file {printable(str(path))}: {exc.strerror or exc}") from None
    if not data.strip():
        raise BookError(f"“{display_name(path)}” is empty.")
    return data


def _file_sha256(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise BookError(f"Could not read the book file {printable(str(path))}: {exc.strerror or exc}") from None


def _sniff(path: Path, data: bytes) -> str:
    name = display_name(path)
    suffix = path.suffix.lower()
    if data.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        if suffix in (".epub", ".zip", ".kepub", "") or b"mimetypeapplication/epub+zip" in data[:100]:
            return "epub"
        raise BookError(f"“{name}” is a ZIP archive, not an EPUB or text book.")
    for magic, kind in _UNSUPPORTED_MAGIC.items():
        if data[:68].startswith(magic) or (magic == b"BOOKMOBI" and data[60:68] == magic):
            raise BookError(f"“{name}” is {kind}, which is not supported: open an EPUB or TXT file.")
    if suffix == ".epub":
        raise BookError(f"“{name}” is not a valid EPUB: it is not a ZIP archive.")
    return "txt"


def _title_from_filename(path: Path) -> str:
    return re.sub(r"[_]+", " ", printable(path.stem)).strip() or "Untitled"


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
