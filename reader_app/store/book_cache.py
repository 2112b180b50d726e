"""One book's cache file: its sentences and the audio clips generated for them, keyed by ClipKey.digest.

Thread rules: any number of threads may call this object at once; each gets its own connection (db.py). Clip
writes are single transactions, so a reader sees a clip whole or not at all, and a crash mid-write leaves the
previous state. Every clip carries a CRC32 of its bytes; a clip that fails it is treated as missing, and so is a
clip on a damaged page of the file: reads never raise for damage, they report it once (`notices`).

This is the facade; its parts (one object, the fields declared once in cache_base) live beside it: cache_base
(shared fields, meta, title, checkpoint, notices and damage), cache_identity (the instance id and the lost -wal
guard), cache_sentences (chapters and sentences), cache_clips (clip reads and writes, CRC checks, links),
cache_space (byte total, last-used times, eviction, deletion).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Self

from reader_app.store import eviction
from reader_app.store.cache_clips import ClipStore
from reader_app.store.cache_identity import CacheIdentity
from reader_app.store.cache_sentences import CacheSentences
from reader_app.store.characters import Characters
from reader_app.store.commit_log import CommitLedger
from reader_app.store.db import ThreadConnections
from reader_app.store.errors import StoreError, StoreProblem, translated
from reader_app.store.lexicon_store import BookLexicon
from reader_app.store.migrations import migrate
from reader_app.store.records import CacheStats, Notice, Position
from reader_app.store.schema import CACHE_NEW_DB_PRAGMAS, CACHE_STEPS
from reader_app.store.takes import Takes


class BookCache(ClipStore, CacheSentences, CacheIdentity):
    def __init__(self, path: Path, *, book_id: str | None = None, max_bytes: int | None = None,
                 protect: Callable[[], Position | None] | None = None,
                 on_put: Callable[[BookCache, int], None] | None = None,
                 on_notice: Callable[[Notice], None] | None = None, aliases: Iterable[str] = (),
                 on_damage: Callable[[], None] | None = None) -> None:
        """aliases: other file fingerprints of the same book (same content), accepted by sync_sentences.
        on_damage: called once when a read finds a damaged page (the library then repairs the file next time)."""
        self.path = Path(path)
        self.max_bytes = max_bytes  # per-book limit on compressed audio; None: unlimited
        self.protect_window = (eviction.PROTECT_BEHIND, eviction.PROTECT_AHEAD)  # sentences (behind, ahead)
        self.notices: list[Notice] = []  # what the user should hear about, once each (also sent to on_notice)
        self.damaged = False  # a read met a damaged page: `reader-app cache BOOK --repair` mends it
        self._aliases = frozenset(aliases)
        self._protect = protect or (lambda: None)
        self._on_put = on_put
        self._on_notice = on_notice
        self._on_damage = on_damage
        self._notice_lock = threading.Lock()
        self._usage: dict[str, float] = {}
        self._usage_lock = threading.Lock()
        self._bytes_lock = threading.Lock()
        self._title_cache: str | None = None
        self._audio_bytes = 0  # running total, for a cheap limit check after each put
        self._evict_floor = 0
        self._ledger = CommitLedger(self.path)
        recorded = self._ledger.read()  # before the database: see commit_log for why the order matters
        self._conns = ThreadConnections(self.path, new_db_pragmas=CACHE_NEW_DB_PRAGMAS,
                                        on_notice=lambda reason, message: self._notice(reason, message))
        self.lexicon = BookLexicon(self._conns, self.path)  # the book's pronunciation entries (store/lexicon_store)
        try:
            migrate(self._conns, CACHE_STEPS, "book cache")
            stored_id = self.meta("book_id")
            if book_id is not None and stored_id not in (None, book_id):
                raise StoreError(f"{self.path.name} holds the cache of another book ({stored_id[:12]}...)",
                                 StoreProblem.OTHER_BOOK)
            if not self.read_only:
                self._lay_down_identity(book_id if stored_id is None else None, recorded)
        except BaseException:
            self._conns.close()
            self._ledger.close()
            raise
        try:
            self.audio_bytes()
        except StoreError as exc:
            if exc.reason is not StoreProblem.DAMAGED:
                raise
            self._saw_damage("the clip table")

    # --- parts kept in their own tables ---------------------------------------------------------------------

    @property
    def takes(self) -> Takes:
        """The kept takes of regenerated sentences and the sentences marked bad (store/takes.py)."""
        return Takes(self._conns)

    @property
    def characters(self) -> Characters:
        """Who speaks each line and the character voices (store/characters.py)."""
        return Characters(self._conns)

    # --- reporting, maintenance -----------------------------------------------------------------------------

    def stats(self) -> CacheStats:
        with self._conns.read(f"read {self.path.name}") as db:
            sentences = db.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]
            clips, seconds, audio = db.conn.execute(
                "SELECT count(*), coalesce(sum(duration_s), 0), coalesce(sum(size_bytes), 0) FROM clips").fetchone()
        return CacheStats(sentences=sentences, clips=clips, audio_seconds=float(seconds),
                          size_bytes=self.size_on_disk(), audio_bytes=audio)

    def size_on_disk(self) -> int:
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += os.path.getsize(f"{self.path}{suffix}")
            except OSError:
                pass
        return total

    def probe(self) -> None:
        """Read every table and index once, without the audio blobs (milliseconds); StoreError(DAMAGED) if any
        page of them is damaged. The library runs it when it opens a book, and repairs what it finds."""
        from reader_app.store.maintenance import probe

        with translated(f"check {self.path.name}", self.path):
            probe(self._conns.conn, CACHE_STEPS)

    def integrity_check(self) -> list[str]:
        from reader_app.store.maintenance import integrity_problems

        return integrity_problems(self._conns, len(CACHE_STEPS))

    def export_to(self, dest: Path) -> None:
        """Copy this cache into one self-contained file (SQLite backup API: consistent while in use)."""
        from reader_app.store.maintenance import backup_to

        self.flush_usage()
        backup_to(self._conns, Path(dest))

    def close(self) -> None:
        if self._conns.closed:
            return
        self.flush_usage()
        self.checkpoint()
        self._conns.close()
        self._ledger.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
