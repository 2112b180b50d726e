"""Which book a file is: by its fingerprint (any file of the book the library saw), else by its content identity
among the library's books, else among cache files with no library entry (imported, or kept when their book was
removed). Also the read-only lookup of a book's cache for commands that must not create a library."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from reader_app import paths
from reader_app.books.model import Book
from reader_app.store.cache_files import books_dir_of, cache_file, cached_book_ids
from reader_app.store.db import ThreadConnections
from reader_app.store.errors import translated
from reader_app.store.identity import content_identity
from reader_app.store.library_rebuild import read_cache_meta
from reader_app.store.maintenance import connect_read_only

log = logging.getLogger(__name__)


def lookup(conn: sqlite3.Connection, fingerprint: str, content_id: str) -> str | None:
    """The book id for a file: by its fingerprint, else by its content (the most recently opened match)."""
    row = conn.execute("SELECT book_id FROM book_files WHERE fingerprint = ?", (fingerprint,)).fetchone()
    if row is None:
        row = conn.execute("SELECT id FROM books WHERE id = ?", (fingerprint,)).fetchone()
    if row is None:
        row = conn.execute("SELECT id FROM books WHERE content_id = ? "
                           "ORDER BY opened_at IS NULL, opened_at DESC LIMIT 1", (content_id,)).fetchone()
    return str(row[0]) if row else None


def match_cached_content(conns: ThreadConnections, library_path: Path, books_dir: Path, content_id: str,
                         droppable: Callable[[str], AbstractContextManager[None]]) -> str | None:
    """Books the library has no content identity for yet (listed before it kept one), and cache files with
    no library entry (imported, or kept when their book was removed): does one hold this content?

    The identities read from the caches of listed books are recorded (a write the app makes on its own)."""
    with translated("read the library", library_path):
        unknown = [r[0] for r in conns.conn.execute("SELECT id FROM books WHERE content_id IS NULL")]
        listed = {r[0] for r in conns.conn.execute("SELECT id FROM books")}
    found: str | None = None
    learned: list[tuple[str, str]] = []
    for book_id in unknown:
        path = cache_file(books_dir, book_id)
        meta = read_cache_meta(path) if path.exists() else None
        cid = (meta or {}).get("content_id", "")
        learned.append((cid, book_id))
        if cid == content_id and found is None:
            found = book_id
    if learned:
        with droppable("What the library learned about its books"):
            with conns.write("record the books' content") as db:
                db.conn.executemany("UPDATE books SET content_id = ? WHERE id = ? AND content_id IS NULL",
                                    learned)
    if found is not None:
        return found
    for book_id in cached_book_ids(books_dir):
        if book_id in listed:
            continue
        meta = read_cache_meta(cache_file(books_dir, book_id))
        if meta is not None and meta.get("content_id") == content_id and meta.get("book_id") == book_id:
            return book_id
    return None


def locate_cache(book: Book, data_dir: Path | None = None) -> Path:
    """The cache file of `book` (by its fingerprint, or by its content as a known book), looked up read-only
    in library.db when there is one: for commands that must not create a library."""
    books_dir = books_dir_of(data_dir)
    db_path = (Path(data_dir) if data_dir is not None else paths.data_dir()) / "library.db"
    if db_path.is_file():
        try:
            conn = connect_read_only(db_path)
            try:
                found = lookup(conn, book.fingerprint, content_identity(book))
            finally:
                conn.close()
            if found is not None:
                return cache_file(books_dir, found)
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            log.info("could not read %s: %s", db_path, exc)
    return cache_file(books_dir, book.fingerprint)
