"""The library database: books, reading positions, per-book and app settings, the voice index; and the
per-book cache files beside it (books/<fingerprint>.db), with the cache size limits across them.

Thread rules as for BookCache: call from any thread; each thread gets its own connection.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Self

from reader_app import paths
from reader_app.books.model import Book
from reader_app.store import eviction
from reader_app.store.book_cache import BookCache
from reader_app.store.db import ThreadConnections
from reader_app.store.errors import StoreError, translated
from reader_app.store.maintenance import backup_to, read_cache_identity
from reader_app.store.migrations import migrate
from reader_app.store.records import (
    BookRecord,
    CacheLimits,
    CacheStats,
    Position,
)
from reader_app.store.schema import CACHE_STEPS, LIBRARY_STEPS

log = logging.getLogger(__name__)

_CACHE_SUFFIX = ".db"
_TOTAL_CHECK_FRACTION = 0.02  # re-check the total limit after writing this share of it


class Library:
    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else paths.data_dir()
        self.books_dir = self.data_dir / "books" if data_dir is not None else paths.books_dir()
        self.books_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / "library.db"
        self._conns = ThreadConnections(self.path)
        try:
            migrate(self._conns, LIBRARY_STEPS, "library")
        except BaseException:
            self._conns.close()
            raise
        self._written_since_check = 0
        self.protect_window = (eviction.PROTECT_BEHIND, eviction.PROTECT_AHEAD)  # sentences (behind, ahead)
        self._enforce_lock = threading.Lock()

    # --- books ----------------------------------------------------------------------------------------------

    def add_book(self, book: Book) -> BookRecord:
        """Add or refresh a book (re-adding keeps positions and settings, updates path and metadata)."""
        meta = book.metadata
        row = {"id": book.fingerprint, "title": meta.title, "authors": json.dumps(list(meta.authors)),
               "path": str(Path(book.path).resolve()), "format": book.format, "cover": meta.cover_image,
               "cover_media_type": meta.cover_media_type, "language": meta.language,
               "tts_language": book.tts_language, "sentence_count": book.sentence_count(),
               "parser_version": book.parser_version}
        with self._conns.write(f"add {meta.title!r} to the library") as db:
            exists = db.conn.execute("SELECT 1 FROM books WHERE id = ?", (book.fingerprint,)).fetchone()
            if exists:
                db.table("books").update(book.fingerprint, row)
            else:
                db.table("books").insert({**row, "added_at": time.time(), "opened_at": None})
        record = self.get_book(book.fingerprint)
        assert record is not None
        return record

    def get_book(self, book_id: str) -> BookRecord | None:
        with translated("read the library", self.path):
            rows = list(self._conns.db.query("SELECT * FROM books WHERE id = ?", [book_id]))
        return _book_record(rows[0]) if rows else None

    def list_books(self) -> list[BookRecord]:
        """Most recently opened first; never-opened books last, newest added first."""
        with translated("read the library", self.path):
            rows = self._conns.db.query(
                "SELECT * FROM books ORDER BY opened_at IS NULL, opened_at DESC, added_at DESC")
            return [_book_record(r) for r in rows]

    def remove_book(self, book_id: str, delete_audio: bool = True) -> None:
        with self._conns.write("remove the book from the library") as db:
            for table in ("positions", "book_settings"):
                db.execute(f"DELETE FROM {table} WHERE book_id = ?", [book_id])
            db.execute("DELETE FROM books WHERE id = ?", [book_id])
        if delete_audio:
            with translated("delete the book's audio cache", self.path):
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.cache_path(book_id)}{suffix}").unlink(missing_ok=True)

    def mark_opened(self, book_id: str) -> None:
        with self._conns.write("record the opened book") as db:
            db.execute("UPDATE books SET opened_at = ? WHERE id = ?", [time.time(), book_id])

    def last_opened(self) -> BookRecord | None:
        with translated("read the library", self.path):
            rows = list(self._conns.db.query(
                "SELECT * FROM books WHERE opened_at IS NOT NULL ORDER BY opened_at DESC LIMIT 1"))
        return _book_record(rows[0]) if rows else None

    # --- reading position -----------------------------------------------------------------------------------

    def save_position(self, book_id: str, position: Position) -> None:
        """Cheap enough to call on every sentence change and on exit (one small committed write)."""
        with self._conns.write("save the reading position") as db:
            db.execute("INSERT INTO positions (book_id, sentence_id, offset_s, updated_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(book_id) DO UPDATE SET sentence_id = excluded.sentence_id, "
                       "offset_s = excluded.offset_s, updated_at = excluded.updated_at",
                       [book_id, position.sentence_id, float(position.offset_s), time.time()])

    def position(self, book_id: str) -> Position | None:
        with translated("read the reading position", self.path):
            row = self._conns.conn.execute("SELECT sentence_id, offset_s FROM positions WHERE book_id = ?",
                                           (book_id,)).fetchone()
        return Position(row[0], float(row[1] or 0.0)) if row else None

    # --- settings -------------------------------------------------------------------------------------------

    def set_book_setting(self, book_id: str, key: str, value: Any) -> None:
        """A JSON-serialisable value per book and key, e.g. ("voice", "narrator-anna")."""
        encoded = json.dumps(value)
        with self._conns.write("save a book setting") as db:
            db.table("book_settings").upsert({"book_id": book_id, "key": key, "value": encoded}, pk=("book_id", "key"))

    def book_setting(self, book_id: str, key: str, default: Any = None) -> Any:
        with translated("read a book setting", self.path):
            row = self._conns.conn.execute("SELECT value FROM book_settings WHERE book_id = ? AND key = ?",
                                           (book_id, key)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._conns.write("save a setting") as db:
            db.table("settings").upsert({"key": key, "value": json.dumps(value)}, pk="key")

    def setting(self, key: str, default: Any = None) -> Any:
        with translated("read a setting", self.path):
            row = self._conns.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # --- per-book caches ------------------------------------------------------------------------------------

    def cache_path(self, book_id: str) -> Path:
        return self.books_dir / f"{book_id}{_CACHE_SUFFIX}"

    @staticmethod
    def cache_path_for(book_id: str, data_dir: Path | None = None) -> Path:
        """Where a book's cache lives, without opening (or creating) the library database."""
        books_dir = Path(data_dir) / "books" if data_dir is not None else paths.books_dir()
        return books_dir / f"{book_id}{_CACHE_SUFFIX}"

    def open_book_cache(self, book: Book) -> BookCache:
        """The book's cache (created if new), sentences in sync, per-book limit and protected window wired."""
        book_id = book.fingerprint
        cache = BookCache(self.cache_path(book_id), book_id=book_id, max_bytes=self.cache_limits().per_book_bytes,
                          protect=lambda: self.position(book_id), on_put=self._after_put)
        cache.protect_window = self.protect_window
        try:
            cache.sync_sentences(book)
        except BaseException:
            cache.close()
            raise
        return cache

    def cache_stats(self, book_id: str) -> CacheStats:
        path = self.cache_path(book_id)
        if not path.exists():
            return CacheStats()
        with BookCache(path) as cache:
            return cache.stats()

    def clear_book_audio(self, book_id: str) -> int:
        """'Clear this book's audio': returns the bytes freed."""
        path = self.cache_path(book_id)
        if not path.exists():
            return 0
        with BookCache(path) as cache:
            return cache.clear_audio()

    def cached_book_ids(self) -> list[str]:
        return sorted(p.stem for p in self.books_dir.glob(f"*{_CACHE_SUFFIX}") if not p.name.startswith("."))

    def total_cache_bytes(self) -> int:
        """Size on disk of all book caches."""
        total = 0
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
        return CacheLimits(self.setting("cache.per_book_bytes", default.per_book_bytes),
                           self.setting("cache.total_bytes", default.total_bytes))

    def set_cache_limits(self, limits: CacheLimits) -> None:
        self.set_setting("cache.per_book_bytes", limits.per_book_bytes)
        self.set_setting("cache.total_bytes", limits.total_bytes)

    def enforce_cache_limits(self) -> int:
        """Evict least recently used clips, per book then across books, sparing each book's reading window.

        The window wins over the limits: a cache may stay above its limit when only protected clips are left.
        Returns the bytes of audio freed. Safe while a book's cache is open elsewhere (its own connection).
        """
        limits = self.cache_limits()
        freed = 0
        with self._enforce_lock:
            caches: dict[str, BookCache] = {}
            try:
                for book_id in self.cached_book_ids():
                    try:
                        caches[book_id] = BookCache(self.cache_path(book_id))
                        caches[book_id].protect_window = self.protect_window
                    except StoreError as exc:  # a damaged or foreign file must not block the others
                        log.warning("%s", exc)
                positions = {book_id: self.position(book_id) for book_id in caches}
                if limits.per_book_bytes is not None:
                    for book_id, cache in caches.items():
                        freed += cache.evict(limits.per_book_bytes, positions[book_id])
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
        if total is None:
            return
        self._written_since_check += added
        if self._written_since_check >= total * _TOTAL_CHECK_FRACTION:
            self._written_since_check = 0
            self.enforce_cache_limits()

    # --- moving caches between machines ---------------------------------------------------------------------

    def export_cache(self, book_id: str, dest: Path) -> None:
        path = self.cache_path(book_id)
        if not path.exists():
            raise StoreError(f"No audio cache for this book to export ({book_id[:12]}...)")
        with BookCache(path) as cache:
            cache.export_to(dest)

    def import_cache(self, src: Path) -> str:
        """Bring in a cache file exported on another machine; merges into an existing cache. Returns the book id."""
        src = Path(src)
        book_id, version = read_cache_identity(src)
        if version > len(CACHE_STEPS):
            raise StoreError(f"{src.name} was written by a newer reader-app (cache schema v{version}): update the app")
        tmp = self.books_dir / f".import-{book_id}-{os.getpid()}{_CACHE_SUFFIX}"
        try:
            with translated(f"import {src.name}", tmp):
                shutil.copyfile(src, tmp)
            with BookCache(tmp, book_id=book_id) as incoming:  # migrates an older file forward
                problems = incoming.integrity_check()
                if problems:
                    raise StoreError(f"{src.name} is damaged ({problems[0]}); not imported")
            target = self.cache_path(book_id)
            if not target.exists():
                with BookCache(tmp) as incoming:
                    backup_to(incoming._conns, target)
            else:
                _merge_clips(target, tmp, book_id)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        return book_id

    def close(self) -> None:
        self._conns.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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


def _book_record(row: dict[str, Any]) -> BookRecord:
    return BookRecord(
        id=row["id"], title=row["title"], authors=tuple(json.loads(row["authors"] or "[]")), path=Path(row["path"]),
        format=row["format"] or "", language=row.get("language"), tts_language=row.get("tts_language") or "auto",
        cover=row["cover"], cover_media_type=row.get("cover_media_type"),
        sentence_count=row.get("sentence_count") or 0, parser_version=row.get("parser_version") or 0,
        added_at=row["added_at"], opened_at=row["opened_at"])
