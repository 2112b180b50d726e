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
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from reader_app import paths
from reader_app.books.model import Book
from reader_app.store import eviction
from reader_app.store.book_cache import BookCache
from reader_app.store.bookmarks import Bookmarks
from reader_app.store.commit_log import ledger_path
from reader_app.store.damage import SIDE_FILES, set_aside
from reader_app.store.db import ThreadConnections
from reader_app.store.errors import StoreError, StoreProblem, classify, describe, folder_is_read_only, translated
from reader_app.store.identity import content_identity
from reader_app.store.library_rebuild import (
    RebuildReport,
    adopt_caches,
    book_row_past_damage,
    read_cache_meta,
    salvage_library,
)
from reader_app.store.maintenance import backup_to, connect_read_only, probe, read_cache_identity
from reader_app.store.migrations import migrate, schema_version
from reader_app.store.records import (
    BookRecord,
    CacheLimits,
    CacheStats,
    Notice,
    Position,
)
from reader_app.store.schema import CACHE_STEPS, LIBRARY_STEPS

log = logging.getLogger(__name__)

_CACHE_SUFFIX = ".db"
_TOTAL_CHECK_FRACTION = 0.02  # re-check the total limit after writing this share of it
# Writes the app makes on its own (not asked for): on a full disk or a read-only folder they are dropped with
# one notice instead of failing playback; the next one is tried again.
_DROPPABLE = (StoreProblem.DISK_FULL, StoreProblem.READ_ONLY, StoreProblem.DAMAGED)
_REBUILD_KEY = "library.needs_rebuild"  # set when a read found damage the opening probe did not


class Library:
    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else paths.data_dir()
        self.books_dir = self.data_dir / "books" if data_dir is not None else paths.books_dir()
        self.path = self.data_dir / "library.db"
        self.read_only = False  # the folder cannot be written: the library lives in memory for this session
        self.notices: list[Notice] = []  # everything reported since opening, in order
        self._untaken = 0
        self._notice_lock = threading.Lock()
        self._files: dict[str, str] = {}  # file fingerprint -> book id, as resolved
        self._written_since_check = 0
        self.protect_window = (eviction.PROTECT_BEHIND, eviction.PROTECT_AHEAD)  # sentences (behind, ahead)
        self._enforce_lock = threading.Lock()
        try:
            self.books_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = classify(exc, self.books_dir)
            if reason is not StoreProblem.READ_ONLY:
                raise StoreError(describe(exc, "create the library folder", self.books_dir, reason), reason) from exc
        self._conns = self._open()
        self.bookmarks = Bookmarks(self._conns, self.book_id_for, self._droppable)  # and recent positions

    # --- opening ----------------------------------------------------------------------------------------

    def _open(self) -> ThreadConnections:
        if _cannot_write(self.path):
            return self._open_in_memory()
        try:
            conns, was_empty = self._connect()
        except StoreError as exc:
            if exc.reason is StoreProblem.READ_ONLY:
                return self._open_in_memory()
            if exc.reason is not StoreProblem.DAMAGED:
                raise
            return self._rebuild_damaged()
        marker = self._rebuild_marker()
        if marker.exists() or _needs_rebuild(conns):  # a read found damage last time (covers, say): rebuild now
            conns.close()
            rebuilt = self._rebuild_damaged()
            marker.unlink(missing_ok=True)
            return rebuilt
        if was_empty:
            report = RebuildReport()
            adopt_caches(conns, self.books_dir, report)
            if report.books_from_caches:
                self._notice(StoreProblem.DAMAGED, f"The library ({self.path}) was missing or empty: "
                             f"{report.describe()} (reading positions start at the beginning)")
        return conns

    def _connect(self) -> tuple[ThreadConnections, bool]:
        """Open library.db, migrate it and read every table once; (connections, whether it was new or empty)."""
        conns = ThreadConnections(self.path, on_notice=self._notice)
        try:
            was_empty = schema_version(conns.db) == 0
            migrate(conns, LIBRARY_STEPS, "library")
            with translated(f"read {self.path.name}", self.path):
                probe(conns.conn, LIBRARY_STEPS)
        except BaseException:
            conns.close()
            raise
        return conns, was_empty

    def _rebuild_damaged(self) -> ThreadConnections:
        try:
            aside = set_aside(self.path)
        except StoreError as exc:
            if exc.reason is StoreProblem.MISSING:  # another copy of the app set it aside first and rebuilds it
                return self._connect()[0]
            if exc.reason is not StoreProblem.READ_ONLY:
                raise
            return self._open_in_memory()
        conns, _new = self._connect()
        report = RebuildReport()
        salvage_library(conns, aside, report)
        adopt_caches(conns, self.books_dir, report)
        self._notice(StoreProblem.DAMAGED, f"The library ({self.path.name}) was damaged and has been rebuilt: "
                     f"{report.describe()}; the damaged file is kept as {aside.name}")
        return conns

    def _open_in_memory(self) -> ThreadConnections:
        """A read-only folder: the library is read into memory (so this session works), nothing is written."""
        self.read_only = True
        conns = ThreadConnections(self.path, on_notice=self._notice, memory=True)
        report = RebuildReport()
        copied = False
        if self.path.is_file():
            try:
                source = connect_read_only(self.path)
                try:
                    source.backup(conns.conn)
                    copied = True
                finally:
                    source.close()
            except (sqlite3.Error, UnicodeDecodeError) as exc:
                log.warning("could not read %s: %s", self.path, exc)
        try:
            migrate(conns, LIBRARY_STEPS, "library")
            with translated(f"read {self.path.name}", self.path):
                probe(conns.conn, LIBRARY_STEPS)
        except StoreError as exc:
            if exc.reason is StoreProblem.NEWER_VERSION:
                conns.close()
                raise
            copied = False  # damaged: what can be read is salvaged below
        if not copied:
            conns.close()
            conns = ThreadConnections(self.path, on_notice=self._notice, memory=True)
            migrate(conns, LIBRARY_STEPS, "library")
            if self.path.exists():
                salvage_library(conns, self.path, report)
        adopt_caches(conns, self.books_dir, report)
        self._notice(StoreProblem.READ_ONLY, f"The library folder {self.data_dir} is read-only: cached audio plays, "
                     "but nothing new is stored (no new audio, reading positions or settings)")
        return conns

    # --- notices ----------------------------------------------------------------------------------------

    def _notice(self, reason: StoreProblem | Notice, message: str = "") -> None:
        notice = reason if isinstance(reason, Notice) else Notice(reason, message)
        with self._notice_lock:
            if notice in self.notices:
                return
            self.notices.append(notice)
        log.warning("%s", notice.message)

    def take_notices(self) -> list[Notice]:
        """The notices not taken yet (each is handed out once): show them in the status line or on stderr."""
        with self._notice_lock:
            new = self.notices[self._untaken:]
            self._untaken = len(self.notices)
        return new

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
                self._rebuild_next_time()
            self._notice(exc.reason, f"{what} not saved: {exc}")

    def _rebuild_next_time(self) -> None:
        """Damage found after opening: rebuild at the next start (now, other threads hold connections)."""
        try:
            with self._conns.write("note the damage") as db:
                db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, 'true')", [_REBUILD_KEY])
        except StoreError as exc:
            log.warning("%s", exc)
            try:
                self._rebuild_marker().touch()
            except OSError as error:
                log.warning("could not note that %s needs rebuilding: %s", self.path.name, error)

    def _rebuild_marker(self) -> Path:
        return self.path.with_name(self.path.name + ".rebuild")

    # --- books ----------------------------------------------------------------------------------------------

    def add_book(self, book: Book) -> BookRecord:
        """Add or refresh a book (re-adding keeps positions and settings, updates path and metadata).

        A file with the same content as a known book (same sentences, other bytes) is that book: its record,
        position, settings and cache are the known book's."""
        meta = book.metadata
        content_id = content_identity(book)
        book_id = self._find_book(book.fingerprint, content_id)
        if book_id is None:
            book_id = self._match_cached_content(content_id)
        row = {"title": meta.title, "authors": json.dumps(list(meta.authors)),
               "path": paths.path_to_text(Path(book.path).resolve()), "format": book.format, "cover": meta.cover_image,
               "cover_media_type": meta.cover_media_type, "language": meta.language,
               "tts_language": book.tts_language, "sentence_count": book.sentence_count(),
               "parser_version": book.parser_version, "content_id": content_id}
        try:
            with self._conns.write(f"add {meta.title!r} to the library") as db:
                found = _lookup(db.conn, book.fingerprint, content_id)  # another process may have added it
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
            return self.get_book(book_id or book.fingerprint) or _unsaved_record(book_id or book.fingerprint, row)
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
            return _lookup(self._conns.conn, fingerprint, content_id)

    def _match_cached_content(self, content_id: str) -> str | None:
        """Books the library has no content identity for yet (listed before it kept one), and cache files with
        no library entry (imported, or kept when their book was removed): does one hold this content?"""
        with translated("read the library", self.path):
            unknown = [r[0] for r in self._conns.conn.execute("SELECT id FROM books WHERE content_id IS NULL")]
            listed = {r[0] for r in self._conns.conn.execute("SELECT id FROM books")}
        found: str | None = None
        learned: list[tuple[str, str]] = []
        for book_id in unknown:
            meta = read_cache_meta(self.cache_path_of(book_id)) if self.cache_path_of(book_id).exists() else None
            cid = (meta or {}).get("content_id", "")
            learned.append((cid, book_id))
            if cid == content_id and found is None:
                found = book_id
        if learned:
            with self._droppable("What the library learned about its books"):
                with self._conns.write("record the books' content") as db:
                    db.conn.executemany("UPDATE books SET content_id = ? WHERE id = ? AND content_id IS NULL",
                                        learned)
        if found is not None:
            return found
        for book_id in self.cached_book_ids():
            if book_id in listed:
                continue
            meta = read_cache_meta(self.cache_path_of(book_id))
            if meta is not None and meta.get("content_id") == content_id and meta.get("book_id") == book_id:
                return book_id
        return None

    def get_book(self, book_id: str) -> BookRecord | None:
        book_id = self.book_id_for(book_id)
        rows = self._book_rows("WHERE id = ?", [book_id])
        return rows[0] if rows else None

    def list_books(self) -> list[BookRecord]:
        """Most recently opened first; never-opened books last, newest added first."""
        return sorted(self._book_rows("", []), key=_recency)

    def _book_rows(self, where: str, params: list[Any]) -> list[BookRecord]:
        try:
            with translated("read the library", self.path):
                return [_book_record(r) for r in self._conns.db.query(f"SELECT * FROM books {where}", params)]
        except StoreError as exc:
            if exc.reason is not StoreProblem.DAMAGED:
                raise
        # The probe at opening reads every table but not the covers (most of the file), and the columns stored
        # after a cover (added and opened times) lie in its overflow pages: read such rows without them.
        self._notice(StoreProblem.DAMAGED, f"Some book entries in {self.path.name} are damaged (covers, opened "
                     "times): shown without them; the library is rebuilt when the app next starts")
        self._rebuild_next_time()
        records: list[BookRecord] = []
        with translated("read the library", self.path):
            for (rowid,) in self._conns.conn.execute(f"SELECT rowid FROM books {where}", params).fetchall():
                records.extend(_book_record(row) for row in [book_row_past_damage(self._conns.conn, rowid)] if row)
        return records

    def remove_book(self, book_id: str, delete_audio: bool = True) -> None:
        book_id = self.book_id_for(book_id)
        with self._conns.write("remove the book from the library") as db:
            for table in ("positions", "book_settings", "bookmarks", "history", "book_files"):
                db.execute(f"DELETE FROM {table} WHERE book_id = ?", [book_id])
            db.execute("DELETE FROM books WHERE id = ?", [book_id])
        self._files = {f: b for f, b in self._files.items() if b != book_id}
        if delete_audio:
            _delete_cache_files(self.cache_path_of(book_id))

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
        return _json_or(row[0], default) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._conns.write("save a setting") as db:
            db.table("settings").upsert({"key": key, "value": json.dumps(value)}, pk="key")

    def setting(self, key: str, default: Any = None) -> Any:
        with translated("read a setting", self.path):
            row = self._conns.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return _json_or(row[0], default) if row else default

    # --- per-book caches ------------------------------------------------------------------------------------

    def cache_path(self, book_id: str) -> Path:
        return self.cache_path_of(self.book_id_for(book_id))

    def cache_path_of(self, book_id: str) -> Path:
        """The cache file of a book id as the library keeps it (no lookup of other fingerprints)."""
        return self.books_dir / f"{book_id}{_CACHE_SUFFIX}"

    @staticmethod
    def cache_path_for(book_id: str, data_dir: Path | None = None) -> Path:
        """Where a book's cache lives, without opening (or creating) the library database."""
        books_dir = Path(data_dir) / "books" if data_dir is not None else paths.books_dir()
        return books_dir / f"{book_id}{_CACHE_SUFFIX}"

    @staticmethod
    def locate_cache(book: Book, data_dir: Path | None = None) -> Path:
        """The cache file of `book` (by its fingerprint, or by its content as a known book), looked up read-only
        in library.db when there is one: for commands that must not create a library."""
        books_dir = Path(data_dir) / "books" if data_dir is not None else paths.books_dir()
        db_path = (Path(data_dir) if data_dir is not None else paths.data_dir()) / "library.db"
        if db_path.is_file():
            try:
                conn = connect_read_only(db_path)
                try:
                    found = _lookup(conn, book.fingerprint, content_identity(book))
                finally:
                    conn.close()
                if found is not None:
                    return books_dir / f"{found}{_CACHE_SUFFIX}"
            except (sqlite3.Error, UnicodeDecodeError) as exc:
                log.info("could not read %s: %s", db_path, exc)
        return books_dir / f"{book.fingerprint}{_CACHE_SUFFIX}"

    def open_book_cache(self, book: Book) -> BookCache:
        """The book's cache (created if new), sentences in sync, per-book limit and protected window wired.

        Never raises for damage: a damaged cache is repaired (intact clips kept) or set aside and begun anew,
        with a notice. In a read-only folder it is opened read-only (put_clip raises StoreError(READ_ONLY))."""
        book_id = self._files.get(book.fingerprint) or self._find_book(book.fingerprint, content_identity(book)) \
            or book.fingerprint
        path = self.cache_path_of(book_id)
        cache = self._open_cache(path, book_id, book)
        try:
            cache.sync_sentences(book)
        except StoreError as exc:
            cache.close()
            if exc.reason is not StoreProblem.DAMAGED or cache.read_only:
                raise
            self._repair(path, book_id)
            cache = self._open_cache(path, book_id, book)
            try:
                cache.sync_sentences(book)
            except BaseException:
                cache.close()
                raise
        return cache

    def _open_cache(self, path: Path, book_id: str, book: Book) -> BookCache:
        def wired() -> BookCache:
            cache = BookCache(path, book_id=book_id, max_bytes=self.cache_limits().per_book_bytes,
                              protect=lambda: self.position(book_id), on_put=self._after_put,
                              on_notice=self._notice, aliases={book.fingerprint},
                              on_damage=lambda: self._mark_for_repair(book_id))
            cache.protect_window = self.protect_window
            return cache

        if path.exists() and self.setting(_repair_key(book_id)) and not self.read_only:
            self._repair(path, book_id)  # damage was found while it was last open
        try:
            cache = wired()
        except StoreError as exc:
            if exc.reason is StoreProblem.OTHER_BOOK and not self.read_only:
                # Another book's cache (copied there, or a damaged book id) where this one's should be.
                aside = set_aside(path)
                self._notice(StoreProblem.DAMAGED, f"{path.name} held the cache of another book: set aside as "
                             f"{aside.name}; a new cache takes its place")
                return wired()
            if exc.reason is not StoreProblem.DAMAGED or self.read_only:
                raise
            self._repair(path, book_id)
            return wired()
        if cache.read_only:
            return cache  # damage in a read-only folder cannot be mended: what is intact plays
        try:
            if cache.damaged:
                raise StoreError("damaged", StoreProblem.DAMAGED)
            cache.probe()
        except StoreError as exc:
            if exc.reason is not StoreProblem.DAMAGED:
                cache.close()
                raise
            cache.close()
            self._repair(path, book_id)
            return wired()
        return cache

    def _repair(self, path: Path, book_id: str) -> None:
        from reader_app.store.repair import repair_cache

        report = repair_cache(path, book_id)
        record = self.get_book(book_id)
        title = repr(record.title) if record is not None else path.name
        self._notice(StoreProblem.DAMAGED, f"The audio cache of {title} was damaged: {report.summary(named=False)}")
        with self._droppable("The repair of the audio cache"), self._conns.write("record the repair") as db:
            db.execute("DELETE FROM settings WHERE key = ?", [_repair_key(book_id)])

    def _mark_for_repair(self, book_id: str) -> None:
        """A read found damage in an open cache: repair it when the book is next opened."""
        try:
            self.set_setting(_repair_key(book_id), True)
        except StoreError as exc:
            log.warning("%s", exc)

    def cache_stats(self, book_id: str) -> CacheStats:
        """Sizes of a book's cache; never raises for damage (a file that cannot be opened is set aside)."""
        path = self.cache_path(book_id)
        if not path.exists():
            return CacheStats()
        try:
            with BookCache(path, on_notice=self._notice) as cache:
                return cache.stats()
        except StoreError as exc:
            if exc.reason in (StoreProblem.NEWER_VERSION, StoreProblem.OTHER_BOOK, StoreProblem.LOCKED):
                self._notice(exc.reason, str(exc))  # the library view lists the book all the same
                return CacheStats()
            if exc.reason is not StoreProblem.DAMAGED:
                raise
        from reader_app.store.repair import schema_readable

        if not schema_readable(path) and not self.read_only:
            aside = set_aside(path)
            self._notice(StoreProblem.DAMAGED, f"The audio cache {path.name} could not be read: set aside as "
                         f"{aside.name} (its audio will be generated again)")
        else:
            self._notice(StoreProblem.DAMAGED, f"The audio cache {path.name} is damaged: it is repaired when "
                         "its book is opened")
        return CacheStats()

    def clear_book_audio(self, book_id: str) -> int:
        """'Clear this book's audio': returns the bytes freed. A damaged cache is deleted outright."""
        path = self.cache_path(book_id)
        if not path.exists():
            return 0
        try:
            with BookCache(path, on_notice=self._notice) as cache:
                return cache.clear_audio()
        except StoreError as exc:
            if exc.reason is not StoreProblem.DAMAGED:
                raise
        size = sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if p.is_file())
        _delete_cache_files(path)
        return size

    def cached_book_ids(self) -> list[str]:
        if not self.books_dir.is_dir():
            return []
        return sorted(p.stem for p in self.books_dir.glob(f"*{_CACHE_SUFFIX}") if not p.name.startswith("."))

    def total_cache_bytes(self) -> int:
        """Size on disk of all book caches."""
        total = 0
        if not self.books_dir.is_dir():
            return 0
        for p in self.books_dir.iterdir():
            if p.name.endswith((_CACHE_SUFFIX, f"{_CACHE_SUFFIX}-wal")):
                try:
                    total += p.stat().st_size
                except OSError:
                    pass
        return total

    # --- limits and eviction --------------------------------------------------------------------------------

    def cache_limits(self) -> CacheLimits:
        default = CacheLimits()
        per_book = self.setting("cache.per_book_bytes", default.per_book_bytes)
        total = self.setting("cache.total_bytes", default.total_bytes)
        return CacheLimits(per_book if _is_limit(per_book) else default.per_book_bytes,
                           total if _is_limit(total) else default.total_bytes)

    def set_cache_limits(self, limits: CacheLimits) -> None:
        self.set_setting("cache.per_book_bytes", limits.per_book_bytes)
        self.set_setting("cache.total_bytes", limits.total_bytes)

    def enforce_cache_limits(self) -> int:
        """Evict least recently used clips, per book then across books, sparing each book's reading window.

        The window wins over the limits: a cache may stay above its limit when only protected clips are left.
        Returns the bytes of audio freed. Safe while a book's cache is open elsewhere (its own connection).
        A damaged or read-only cache is left out.
        """
        limits = self.cache_limits()
        freed = 0
        with self._enforce_lock:
            caches: dict[str, BookCache] = {}
            try:
                for book_id in self.cached_book_ids():
                    try:
                        cache = BookCache(self.cache_path_of(book_id), on_notice=self._notice)
                    except StoreError as exc:  # a damaged or foreign file must not block the others
                        log.warning("%s", exc)
                        continue
                    if cache.read_only or cache.damaged:
                        cache.close()
                        continue
                    caches[book_id] = cache
                    cache.protect_window = self.protect_window
                positions = {book_id: self.position(book_id) for book_id in caches}
                if limits.per_book_bytes is not None:
                    for book_id, cache in caches.items():
                        try:
                            freed += cache.evict(limits.per_book_bytes, positions[book_id])
                        except StoreError as exc:
                            log.warning("%s", exc)
                if limits.total_bytes is not None:
                    total = sum(cache.audio_bytes() for cache in caches.values())
                    lists = [cache.eviction_candidates(positions[book_id], book_id)
                             for book_id, cache in caches.items()]
                    by_book: dict[str, list[str]] = {}
                    for cand in eviction.choose(lists, total, limits.total_bytes):
                        by_book.setdefault(cand.book_id, []).append(cand.digest)
                    for book_id, digests in by_book.items():
                        freed += caches[book_id].evict_digests(digests)
            finally:
                for cache in caches.values():
                    cache.close()
        return freed

    def _after_put(self, cache: BookCache, added: int) -> None:
        """Called by an open BookCache after each stored clip: re-check the total limit now and then."""
        total = self.setting("cache.total_bytes", CacheLimits().total_bytes)
        if not _is_limit(total) or total is None:
            return
        self._written_since_check += added
        if self._written_since_check >= total * _TOTAL_CHECK_FRACTION:
            self._written_since_check = 0
            self.enforce_cache_limits()

    # --- moving caches between machines ---------------------------------------------------------------------

    def export_cache(self, book_id: str, dest: Path) -> None:
        path = self.cache_path(book_id)
        if not path.exists():
            raise StoreError(f"No audio cache for this book to export ({book_id[:12]}...)", StoreProblem.MISSING)
        with BookCache(path, on_notice=self._notice) as cache:
            cache.export_to(dest)

    def import_cache(self, src: Path) -> str:
        """Bring in a cache file exported on another machine; merges into an existing cache. Returns the book id."""
        src = Path(src)
        book_id, version = read_cache_identity(src)
        if version > len(CACHE_STEPS):
            raise StoreError(f"{src.name} was written by a newer reader-app (cache schema v{version}): update the app",
                             StoreProblem.NEWER_VERSION)
        tmp = self.books_dir / f".import-{book_id}-{os.getpid()}{_CACHE_SUFFIX}"
        try:
            with translated(f"import {src.name}", tmp):
                shutil.copyfile(src, tmp)
            with BookCache(tmp, book_id=book_id) as incoming:  # migrates an older file forward
                problems = incoming.integrity_check()
                if problems:
                    raise StoreError(f"{src.name} is damaged ({problems[0]}); not imported", StoreProblem.DAMAGED)
            target = self.cache_path_of(self.book_id_for(book_id))
            if not target.exists():
                with BookCache(tmp) as incoming:
                    ledger_path(target).unlink(missing_ok=True)  # it counted the writes of another file
                    backup_to(incoming._conns, target)
            else:
                _merge_clips(target, tmp, self.book_id_for(book_id))
        finally:
            _delete_cache_files(tmp)
        return book_id

    def close(self) -> None:
        self._conns.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _needs_rebuild(conns: ThreadConnections) -> bool:
    with translated("read the library", conns.path):
        return conns.conn.execute("SELECT 1 FROM settings WHERE key = ?", (_REBUILD_KEY,)).fetchone() is not None


def _recency(record: BookRecord) -> tuple[bool, float, float]:
    return record.opened_at is None, -(record.opened_at or 0.0), -record.added_at


def _repair_key(book_id: str) -> str:
    return f"cache.needs_repair.{book_id}"


def _lookup(conn: sqlite3.Connection, fingerprint: str, content_id: str) -> str | None:
    """The book id for a file: by its fingerprint, else by its content (the most recently opened match)."""
    row = conn.execute("SELECT book_id FROM book_files WHERE fingerprint = ?", (fingerprint,)).fetchone()
    if row is None:
        row = conn.execute("SELECT id FROM books WHERE id = ?", (fingerprint,)).fetchone()
    if row is None:
        row = conn.execute("SELECT id FROM books WHERE content_id = ? "
                           "ORDER BY opened_at IS NULL, opened_at DESC LIMIT 1", (content_id,)).fetchone()
    return str(row[0]) if row else None


def _cannot_write(path: Path) -> bool:
    """Is `path` (or the folder it would be created in) in a read-only place?"""
    if path.exists():
        return not path.is_dir() and (folder_is_read_only(path) or not os.access(path, os.W_OK))
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder_is_read_only(folder / path.name)


def _delete_cache_files(path: Path) -> None:
    with translated(f"delete {path.name}", path):
        for suffix in ("", *SIDE_FILES):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        ledger_path(path).unlink(missing_ok=True)


def _is_limit(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0)


def _json_or(text: str, default: Any) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return default


def _merge_clips(target: Path, src: Path, book_id: str) -> None:
    """Add the clips (and sentence links) of `src` that `target` lacks; sentences come from the book itself."""
    with BookCache(target, book_id=book_id) as cache:
        conn = cache._conns.conn
        with translated(f"import audio into {target.name}", target):
            conn.execute("ATTACH DATABASE ? AS src", (str(src),))  # not allowed inside a transaction
        try:
            with cache._conns.write(f"import audio into {target.name}") as db:
                db.execute("INSERT OR IGNORE INTO clips SELECT * FROM src.clips")
                db.execute("INSERT OR IGNORE INTO clip_links SELECT * FROM src.clip_links")
                if not db.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]:
                    db.execute("INSERT INTO chapters SELECT * FROM src.chapters")
                    db.execute("INSERT INTO sentences SELECT * FROM src.sentences")
        finally:
            conn.execute("DETACH DATABASE src")
        cache.audio_bytes()


def _unsaved_record(book_id: str, row: dict[str, Any]) -> BookRecord:
    """The record of a book the library could not store (full disk, read-only folder): for this session."""
    return _book_record({**row, "id": book_id, "added_at": time.time(), "opened_at": None})


def _book_record(row: dict[str, Any]) -> BookRecord:
    return BookRecord(
        id=row["id"], title=row["title"], authors=tuple(_json_or(row["authors"] or "[]", [])),
        path=paths.path_from_text(row["path"]),
        format=row["format"] or "", language=row.get("language"), tts_language=row.get("tts_language") or "auto",
        cover=row.get("cover"), cover_media_type=row.get("cover_media_type"),
        sentence_count=row.get("sentence_count") or 0, parser_version=row.get("parser_version") or 0,
        added_at=row["added_at"], opened_at=row["opened_at"])
