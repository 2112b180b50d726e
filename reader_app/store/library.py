"""The library database: books, reading positions, per-book and app settings; and the per-book cache files
beside it (books/<book id>.db), with the cache size limits across them.

Thread rules as for BookCache: call from any thread; each thread gets its own connection.

What opening never does: raise for a damaged file. A damaged library.db is set aside and rebuilt (from what it
still reads, then from the book caches); a damaged book cache is repaired or set aside and started afresh; a
read-only folder is read (the library into memory, caches read-only). Each such event is one Notice
(`take_notices()`), for the window's status line or the command line. A library written by a newer app is
refused (StoreError, reason NEWER_VERSION), never touched.

A book's id is the fingerprint of the first file of it the library saw. Another file with the same content
(a metadata editor rewrote it: new bytes, same sentences) is recorded against that id (book_files), so every
method here accepts either fingerprint, and the position, settings and cache carry over.

This is the facade; the work behind it lives in small modules: library_open (opening, rebuilding, in memory),
notices, book_rows (records and rows), book_match (which book a file is), cache_files (cache file names, sizes,
stats, deletion), cache_opening (a book's cache, mended on the way), cache_limits (limits and eviction across
books), cache_transfer (export and import).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from reader_app import paths
from reader_app.books.model import Book
from reader_app.store import book_match, cache_files, cache_transfer, eviction
from reader_app.store.book_cache import BookCache
from reader_app.store.book_match import lookup, match_cached_content
from reader_app.store.book_rows import book_record, book_row, json_or, recency, records_past_damage, unsaved_record
from reader_app.store.bookmarks import Bookmarks
from reader_app.store.cache_files import books_dir_of, cache_file, delete_cache_files
from reader_app.store.cache_limits import PER_BOOK_KEY, TOTAL_KEY, LimitKeeper, limits_from
from reader_app.store.cache_opening import MendingOpener, repair_and_tell, repair_key
from reader_app.store.errors import StoreError, StoreProblem, classify, describe, translated
from reader_app.store.identity import content_identity
from reader_app.store.library_open import open_library, rebuild_next_time
from reader_app.store.notices import NoticeBoard
from reader_app.store.records import BookRecord, CacheLimits, CacheStats, Notice, Position

log = logging.getLogger(__name__)

# Writes the app makes on its own (not asked for): on a full disk or a read-only folder they are dropped with
# one notice instead of failing playback; the next one is tried again.
_DROPPABLE = (StoreProblem.DISK_FULL, StoreProblem.READ_ONLY, StoreProblem.DAMAGED)


class Library:
    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else paths.data_dir()
        self.books_dir = books_dir_of(data_dir)
        self.path = self.data_dir / "library.db"
        self._board = NoticeBoard()
        self.notices: list[Notice] = self._board.notices  # everything reported since opening, in order
        self._notice = self._board.add
        self._files: dict[str, str] = {}  # file fingerprint -> book id, as resolved
        self._limits = LimitKeeper(self.books_dir, self._notice)
        self.protect_window = (eviction.PROTECT_BEHIND, eviction.PROTECT_AHEAD)  # sentences (behind, ahead)
        try:
            self.books_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = classify(exc, self.books_dir)
            if reason is not StoreProblem.READ_ONLY:
                raise StoreError(describe(exc, "create the library folder", self.books_dir, reason), reason) from exc
        # read_only: the folder cannot be written, the library lives in memory for this session
        self._conns, self.read_only = open_library(self.path, self.books_dir, self.data_dir, self._notice)
        self.bookmarks = Bookmarks(self._conns, self.book_id_for, self._droppable)  # and recent positions

    # --- notices ----------------------------------------------------------------------------------------

    def take_notices(self) -> list[Notice]:
        """The notices not taken yet (each is handed out once): show them in the status line or on stderr."""
        return self._board.take()

    @contextmanager
    def _droppable(self, what: str) -> Iterator[None]:
        """For writes the app makes on its own: a full disk, a read-only folder or damage the opening probe did
        not find drops them with one notice (damage: the library is rebuilt when the app next starts)."""
        try:
            yield
        except StoreError as exc:
            if exc.reason not in _DROPPABLE:
                raise
            if exc.reason is StoreProblem.DAMAGED:
                rebuild_next_time(self._conns, self.path)
            self._notice(exc.reason, f"{what} not saved: {exc}")

    # --- books ----------------------------------------------------------------------------------------------

    def add_book(self, book: Book) -> BookRecord:
        """Add or refresh a book (re-adding keeps positions and settings, updates path and metadata).

        A file with the same content as a known book (same sentences, other bytes) is that book: its record,
        position, settings and cache are the known book's."""
        meta = book.metadata
        content_id = content_identity(book)
        book_id = self._find_book(book.fingerprint, content_id)
        if book_id is None:
            book_id = match_cached_content(self._conns, self.path, self.books_dir, content_id, self._droppable)
        row = book_row(book, content_id)
        try:
            with self._conns.write(f"add {meta.title!r} to the library") as db:
                found = lookup(db.conn, book.fingerprint, content_id)  # another process may have added it
                book_id = found or book_id or book.fingerprint
                db.conn.execute("INSERT OR IGNORE INTO books (id, title, path, added_at, opened_at) "
                                "VALUES (?, ?, ?, ?, NULL)", (book_id, meta.title, row["path"], time.time()))
                db.table("books").update(book_id, row)
                db.conn.execute("INSERT OR IGNORE INTO book_files (fingerprint, book_id) VALUES (?, ?)",
                                (book.fingerprint, book_id))
        except StoreError as exc:
            if exc.reason not in _DROPPABLE:
                raise
            self._notice(exc.reason, f"{meta.title!r} not added to the library: {exc}")
            return self.get_book(book_id or book.fingerprint) or unsaved_record(book_id or book.fingerprint, row)
        self._files[book.fingerprint] = book_id
        record = self.get_book(book_id)
        assert record is not None
        return record

    def book_id_for(self, fingerprint: str) -> str:
        """The library's id of the book a file (by fingerprint) belongs to; the fingerprint itself if unknown."""
        known = self._files.get(fingerprint)
        if known is not None:
            return known
        with translated("read the library", self.path):
            row = self._conns.conn.execute("SELECT book_id FROM book_files WHERE fingerprint = ?",
                                           (fingerprint,)).fetchone()
        if row is None:
            return fingerprint
        self._files[fingerprint] = row[0]
        return str(row[0])

    def _find_book(self, fingerprint: str, content_id: str) -> str | None:
        with translated("read the library", self.path):
            return lookup(self._conns.conn, fingerprint, content_id)

    def get_book(self, book_id: str) -> BookRecord | None:
        book_id = self.book_id_for(book_id)
        rows = self._book_rows("WHERE id = ?", [book_id])
        return rows[0] if rows else None

    def list_books(self) -> list[BookRecord]:
        """Most recently opened first; never-opened books last, newest added first."""
        return sorted(self._book_rows("", []), key=recency)

    def _book_rows(self, where: str, params: list[Any]) -> list[BookRecord]:
        try:
            with translated("read the library", self.path):
                return [book_record(r) for r in self._conns.db.query(f"SELECT * FROM books {where}", params)]
        except StoreError as exc:
            if exc.reason is not StoreProblem.DAMAGED:
                raise
        # The probe at opening reads every table but not the covers (most of the file), and the columns stored
        # after a cover (added and opened times) lie in its overflow pages: read such rows without them.
        self._notice(StoreProblem.DAMAGED, f"Some book entries in {self.path.name} are damaged (covers, opened "
                     "times): shown without them; the library is rebuilt when the app next starts")
        rebuild_next_time(self._conns, self.path)
        with translated("read the library", self.path):
            return records_past_damage(self._conns.conn, where, params)

    def remove_book(self, book_id: str, delete_audio: bool = True) -> None:
        book_id = self.book_id_for(book_id)
        with self._conns.write("remove the book from the library") as db:
            for table in ("positions", "book_settings", "bookmarks", "history", "book_files"):
                db.execute(f"DELETE FROM {table} WHERE book_id = ?", [book_id])
            db.execute("DELETE FROM books WHERE id = ?", [book_id])
        self._files = {f: b for f, b in self._files.items() if b != book_id}
        if delete_audio:
            delete_cache_files(self.cache_path_of(book_id))

    def mark_opened(self, book_id: str) -> None:
        book_id = self.book_id_for(book_id)
        with self._droppable("The time the book was opened"), self._conns.write("record the opened book") as db:
            db.execute("UPDATE books SET opened_at = ? WHERE id = ?", [time.time(), book_id])

    def last_opened(self) -> BookRecord | None:
        books = self.list_books()
        return books[0] if books and books[0].opened_at is not None else None

    # --- reading position -----------------------------------------------------------------------------------

    def save_position(self, book_id: str, position: Position) -> None:
        """Cheap enough to call on every sentence change and on exit (one small committed write). On a full disk
        or in a read-only folder the position is not kept (one notice), and the next call tries again."""
        book_id = self.book_id_for(book_id)
        with self._droppable("The reading position"), self._conns.write("save the reading position") as db:
            db.execute("INSERT INTO positions (book_id, sentence_id, offset_s, updated_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(book_id) DO UPDATE SET sentence_id = excluded.sentence_id, "
                       "offset_s = excluded.offset_s, updated_at = excluded.updated_at",
                       [book_id, position.sentence_id, float(position.offset_s), time.time()])

    def position(self, book_id: str) -> Position | None:
        book_id = self.book_id_for(book_id)
        with translated("read the reading position", self.path):
            row = self._conns.conn.execute("SELECT sentence_id, offset_s FROM positions WHERE book_id = ?",
                                           (book_id,)).fetchone()
        return Position(row[0], float(row[1] or 0.0)) if row else None

    # --- settings -------------------------------------------------------------------------------------------

    def set_book_setting(self, book_id: str, key: str, value: Any) -> None:
        """A JSON-serialisable value per book and key, e.g. ("voice", "narrator-anna")."""
        book_id = self.book_id_for(book_id)
        encoded = json.dumps(value)
        with self._droppable("A book setting"), self._conns.write("save a book setting") as db:
            db.table("book_settings").upsert({"book_id": book_id, "key": key, "value": encoded}, pk=("book_id", "key"))

    def book_setting(self, book_id: str, key: str, default: Any = None) -> Any:
        book_id = self.book_id_for(book_id)
        with translated("read a book setting", self.path):
            row = self._conns.conn.execute("SELECT value FROM book_settings WHERE book_id = ? AND key = ?",
                                           (book_id, key)).fetchone()
        return json_or(row[0], default) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._conns.write("save a setting") as db:
            db.table("settings").upsert({"key": key, "value": json.dumps(value)}, pk="key")

    def setting(self, key: str, default: Any = None) -> Any:
        with translated("read a setting", self.path):
            row = self._conns.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json_or(row[0], default) if row else default

    # --- per-book caches ------------------------------------------------------------------------------------

    def cache_path(self, book_id: str) -> Path:
        return self.cache_path_of(self.book_id_for(book_id))

    def cache_path_of(self, book_id: str) -> Path:
        """The cache file of a book id as the library keeps it (no lookup of other fingerprints)."""
        return cache_file(self.books_dir, book_id)

    @staticmethod
    def cache_path_for(book_id: str, data_dir: Path | None = None) -> Path:
        """Where a book's cache lives, without opening (or creating) the library database."""
        return cache_file(books_dir_of(data_dir), book_id)

    @staticmethod
    def locate_cache(book: Book, data_dir: Path | None = None) -> Path:
        """The cache file of `book` (by its fingerprint, or by its content as a known book), looked up read-only
        in library.db when there is one: for commands that must not create a library."""
        return book_match.locate_cache(book, data_dir)

    def open_book_cache(self, book: Book) -> BookCache:
        """The book's cache (created if new), sentences in sync, per-book limit and protected window wired.

        Never raises for damage: a damaged cache is repaired (intact clips kept) or set aside and begun anew,
        with a notice. In a read-only folder it is opened read-only (put_clip raises StoreError(READ_ONLY))."""
        book_id = self._files.get(book.fingerprint) or self._find_book(book.fingerprint, content_identity(book)) \
            or book.fingerprint
        path = self.cache_path_of(book_id)

        def wired() -> BookCache:
            cache = BookCache(path, book_id=book_id, max_bytes=self.cache_limits().per_book_bytes,
                              protect=lambda: self.position(book_id), on_put=self._after_put,
                              on_notice=self._notice, aliases={book.fingerprint},
                              on_damage=lambda: self._mark_for_repair(book_id))
            cache.protect_window = self.protect_window
            return cache

        opener = MendingOpener(path, wired, repair=lambda: self._repair(path, book_id),
                               needs_repair=lambda: bool(self.setting(repair_key(book_id))),
                               read_only=self.read_only, notice=self._notice)
        return opener.open_synced(book)

    def _repair(self, path: Path, book_id: str) -> None:
        repair_and_tell(path, book_id, lambda: self._title(book_id), self._notice)
        with self._droppable("The repair of the audio cache"), self._conns.write("record the repair") as db:
            db.execute("DELETE FROM settings WHERE key = ?", [repair_key(book_id)])

    def _title(self, book_id: str) -> str | None:
        record = self.get_book(book_id)
        return record.title if record is not None else None

    def _mark_for_repair(self, book_id: str) -> None:
        """A read found damage in an open cache: repair it when the book is next opened."""
        try:
            self.set_setting(repair_key(book_id), True)
        except StoreError as exc:
            log.warning("%s", exc)

    def cache_stats(self, book_id: str) -> CacheStats:
        """Sizes of a book's cache; never raises for damage (a file that cannot be opened is set aside)."""
        return cache_files.cache_stats(self.cache_path(book_id), self._notice, self.read_only)

    def clear_book_audio(self, book_id: str) -> int:
        """'Clear this book's audio': returns the bytes freed. A damaged cache is deleted outright."""
        return cache_files.clear_audio(self.cache_path(book_id), self._notice)

    def cached_book_ids(self) -> list[str]:
        return cache_files.cached_book_ids(self.books_dir)

    def total_cache_bytes(self) -> int:
        """Size on disk of all book caches."""
        return cache_files.total_cache_bytes(self.books_dir)

    # --- limits and eviction --------------------------------------------------------------------------------

    def cache_limits(self) -> CacheLimits:
        return limits_from(self.setting)

    def set_cache_limits(self, limits: CacheLimits) -> None:
        self.set_setting(PER_BOOK_KEY, limits.per_book_bytes)
        self.set_setting(TOTAL_KEY, limits.total_bytes)

    def enforce_cache_limits(self) -> int:
        """Evict least recently used clips, per book then across books, sparing each book's reading window.

        The window wins over the limits: a cache may stay above its limit when only protected clips are left.
        Returns the bytes of audio freed. Safe while a book's cache is open elsewhere (its own connection).
        A damaged or read-only cache is left out.
        """
        return self._limits.enforce(self.cache_limits(), self.position, self.protect_window)

    def _after_put(self, cache: BookCache, added: int) -> None:
        """Called by an open BookCache after each stored clip: re-check the total limit now and then."""
        if self._limits.total_check_due(added, self.setting(TOTAL_KEY, CacheLimits().total_bytes)):
            self.enforce_cache_limits()

    # --- moving caches between machines ---------------------------------------------------------------------

    def export_cache(self, book_id: str, dest: Path) -> None:
        cache_transfer.export_cache(self.cache_path(book_id), book_id, dest, self._notice)

    def import_cache(self, src: Path) -> str:
        """Bring in a cache file exported on another machine; merges into an existing cache. Returns the book id."""
        return cache_transfer.import_cache(src, self.books_dir, self.book_id_for)

    def close(self) -> None:
        self._conns.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
