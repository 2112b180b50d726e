"""How much audio a book cache holds and making room in it: the running byte total, the batched last-used times,
the protected window and LRU eviction (store/eviction.py), and deleting clips (by digest, or all of them) with
the freed pages given back to the filesystem."""

from __future__ import annotations

import logging
import time

from reader_app.store import eviction
from reader_app.store.cache_base import IN_CHUNK, CacheBase
from reader_app.store.clip_key import ClipKey
from reader_app.store.errors import StoreError, translated
from reader_app.store.records import Position

log = logging.getLogger("reader_app.store.book_cache")  # logged under the cache's name, as before the split

_USAGE_FLUSH_EVERY = 64  # last-used times are batched: a write per played sentence would contend with generation


class CacheSpace(CacheBase):
    """The audio's size, its last use, eviction and deletion."""

    def audio_bytes(self) -> int:
        with translated(f"read {self.path.name}", self.path):
            total = self._conns.conn.execute("SELECT coalesce(sum(size_bytes), 0) FROM clips").fetchone()[0]
        with self._bytes_lock:
            self._audio_bytes = total
        return total

    def _add_bytes(self, delta: int) -> None:
        with self._bytes_lock:
            self._audio_bytes += delta

    def protected_digests(self, position: Position | None = None) -> set[str]:
        with translated(f"read {self.path.name}", self.path):
            return eviction.protected_digests(self._conns.db, position if position is not None else self._protect(),
                                              *self.protect_window)

    def eviction_candidates(self, position: Position | None = None, book_id: str = "") -> list[eviction.Candidate]:
        """Unprotected clips, least recently used first (usage flushed first)."""
        self.flush_usage()
        protected = self.protected_digests(position)
        with translated(f"read {self.path.name}", self.path):
            return eviction.candidates(self._conns.db, protected, book_id)

    def evict(self, max_bytes: int, position: Position | None = None) -> int:
        """Drop least recently used clips outside the protected window until audio fits max_bytes; bytes freed."""
        current = self.audio_bytes()
        chosen = eviction.choose([self.eviction_candidates(position)], current, max_bytes)
        return self.evict_digests([c.digest for c in chosen])

    def evict_digests(self, digests: list[str]) -> int:
        if not digests:
            return 0
        before = self.audio_bytes()
        self._delete(digests, "free space in the audio cache")
        with self._usage_lock:
            for d in digests:
                self._usage.pop(d, None)
        return before - self.audio_bytes()

    def _touch(self, digest: str) -> None:
        with self._usage_lock:
            self._usage[digest] = time.time()
            due = len(self._usage) >= _USAGE_FLUSH_EVERY
        if due:
            self.flush_usage()

    def flush_usage(self) -> None:
        """Write batched last-used times; best effort (a full disk must not stop playback)."""
        with self._usage_lock:
            pending, self._usage = self._usage, {}
        if not pending or self._conns.closed or self.read_only:
            return
        try:
            with self._conns.write("record clip use") as db:
                db.conn.executemany("UPDATE clips SET last_used_at = max(coalesce(last_used_at, 0), ?) "
                                    "WHERE digest = ?", [(t, d) for d, t in pending.items()])
        except StoreError as exc:
            log.warning("%s", exc)

    # --- deletion -------------------------------------------------------------------------------------------

    def delete_clip(self, key: ClipKey | str) -> bool:
        digest = key if isinstance(key, str) else key.digest
        return self._delete([digest], "delete cached audio") > 0

    def clear_audio(self) -> int:
        """Drop every clip of this book (sentences stay); returns the bytes of audio freed."""
        with self._conns.write("clear the book's audio") as db:
            freed = db.conn.execute("SELECT coalesce(sum(size_bytes), 0) FROM clips").fetchone()[0]
            db.execute("DELETE FROM clip_links")
            db.execute("DELETE FROM clips")
        self._release_free_pages()
        with self._usage_lock:
            self._usage.clear()
        with self._bytes_lock:
            self._audio_bytes = 0
        self.checkpoint()
        return freed

    def _delete(self, digests: list[str], action: str) -> int:
        """Delete clips by digest; returns how many existed."""
        removed = freed = 0
        with self._conns.write(action) as db:
            for i in range(0, len(digests), IN_CHUNK):
                chunk = digests[i:i + IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                count, size = db.conn.execute(f"SELECT count(*), coalesce(sum(size_bytes), 0) FROM clips "
                                              f"WHERE digest IN ({marks})", chunk).fetchone()
                db.conn.execute(f"DELETE FROM clip_links WHERE digest IN ({marks})", chunk)
                db.conn.execute(f"DELETE FROM clips WHERE digest IN ({marks})", chunk)
                removed += count
                freed += size
        self._add_bytes(-freed)
        self._release_free_pages()
        return removed

    def _release_free_pages(self) -> None:
        """Give pages freed by deletes back to the filesystem (auto_vacuum=INCREMENTAL); best effort.

        executescript, because sqlite3's execute() steps this pragma only once, freeing a single page.
        """
        try:
            with translated("shrink the cache file", self.path):
                self._conns.conn.executescript("PRAGMA incremental_vacuum;")
        except StoreError as exc:
            log.warning("%s", exc)
