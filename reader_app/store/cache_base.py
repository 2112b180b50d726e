"""What every part of a book cache shares: the fields BookCache.__init__ sets, declared once, and what all the
parts use: the meta table (book id, title, instance, commit count, ...), the book's title for messages, the WAL
checkpoint, and the two ways a part reports (`_notice`, each notice once; `_saw_damage`, once per file, after
which nothing more is written to it).

BookCache (book_cache.py) is this base with its parts: CacheSpace (cache_space.py), ClipStore (cache_clips.py),
CacheSentences (cache_sentences.py) and CacheIdentity (cache_identity.py). They are one object: one set of fields
and locks, each guarded as noted below.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reader_app.store.commit_log import CommitLedger
from reader_app.store.db import ThreadConnections
from reader_app.store.errors import StoreError, StoreProblem, translated
from reader_app.store.lexicon_store import BookLexicon
from reader_app.store.records import Notice, Position

log = logging.getLogger("reader_app.store.book_cache")  # logged under the cache's name, as before the split

IN_CHUNK = 500  # SQLite's default limit on bound parameters is 999 in older builds


class CacheBase:
    """The fields BookCache.__init__ sets; the meta table, the title, the checkpoint, notices and damage."""

    path: Path
    max_bytes: int | None  # per-book limit on compressed audio; None: unlimited
    protect_window: tuple[int, int]  # sentences (behind, ahead) around the reading position that eviction keeps
    notices: list[Notice]  # what the user should hear about, once each (also sent to on_notice)
    damaged: bool  # a read met a damaged page (set under _notice_lock); `reader-app cache BOOK --repair` mends it
    lexicon: BookLexicon  # the book's pronunciation entries (store/lexicon_store)
    _aliases: frozenset[str]  # other file fingerprints of the same book
    _protect: Callable[[], Position | None]
    _on_put: Callable[[Any, int], None] | None  # called with the BookCache after each stored clip
    _on_notice: Callable[[Notice], None] | None
    _on_damage: Callable[[], None] | None
    _notice_lock: threading.Lock  # notices and damaged
    _usage: dict[str, float]  # batched last-used times by digest, under _usage_lock
    _usage_lock: threading.Lock
    _bytes_lock: threading.Lock  # guards _audio_bytes
    _title_cache: str | None
    _audio_bytes: int  # running total, for a cheap limit check after each put
    _evict_floor: int
    _ledger: CommitLedger
    _conns: ThreadConnections

    @property
    def read_only(self) -> bool:
        """Opened from a folder that cannot be written: clips play, put_clip raises StoreError(READ_ONLY)."""
        return self._conns.read_only

    # --- meta -----------------------------------------------------------------------------------------------

    @property
    def book_id(self) -> str | None:
        return self.meta("book_id")

    def meta(self, key: str) -> str | None:
        with translated(f"read {self.path.name}", self.path):
            row = self._conns.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, values: dict[str, str]) -> None:
        with self._conns.write(f"write {self.path.name}") as db:
            db.table("meta").upsert_all([{"key": k, "value": v} for k, v in values.items()], pk="key")

    def _meta_values(self, keys: list[str]) -> dict[str, str]:
        marks = ",".join("?" * len(keys))
        with translated(f"read {self.path.name}", self.path):
            rows = self._conns.conn.execute(f"SELECT key, value FROM meta WHERE key IN ({marks})", keys)
            return dict(rows.fetchall())

    def _title(self) -> str:
        if self._title_cache is None:
            try:
                self._title_cache = self.meta("title") or self.path.stem[:12]
            except StoreError:
                return self.path.stem[:12]
        return self._title_cache

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file and shrink it (best effort: readers may hold it)."""
        if self.read_only:
            return
        try:
            self._conns.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except (sqlite3.Error, StoreError) as exc:
            log.debug("checkpoint of %s skipped: %s", self.path.name, exc)

    # --- notices --------------------------------------------------------------------------------------------

    def _notice(self, reason: StoreProblem, message: str) -> None:
        notice = Notice(reason, message)
        with self._notice_lock:
            if notice in self.notices:
                return
            self.notices.append(notice)
        log.warning("%s", message)
        if self._on_notice is not None:
            self._on_notice(notice)

    def _saw_damage(self, where: str) -> None:
        """A damaged page: say so once, and write nothing more to this file (a write could spread the damage)."""
        with self._notice_lock:
            first, self.damaged = not self.damaged, True
        if not first:
            return
        self._notice(StoreProblem.DAMAGED,
                     f"The audio cache of {self._title()!r} is damaged ({where}): what is intact still plays; "
                     f"it is repaired when the book is next opened (or now: `reader-app cache BOOK --repair`)")
        if self._on_damage is not None:
            self._on_damage()

    @contextmanager
    def _damage_noted(self, where: str) -> Iterator[None]:
        """A write that met a damaged page raises as it would, and the file is repaired when next opened."""
        try:
            yield
        except StoreError as exc:
            if exc.reason is StoreProblem.DAMAGED:
                self._saw_damage(where)
            raise
