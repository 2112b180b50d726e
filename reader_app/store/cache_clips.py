"""Reading and writing a book cache's clips: get_clip (CRC32 and field checks; a damaged clip is a missing one,
dropped when only its bytes are bad), has_clip, cached_digests and clip_durations (bulk lookups, read past a
damaged index), and put_clip (one transaction: the clip, its sentence link in clip_links, the commit count; then
the ledger, the byte total and the per-book limit)."""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Iterable

from reader_app.audio.clip import AudioClip
from reader_app.store import codec
from reader_app.store.cache_base import IN_CHUNK
from reader_app.store.cache_space import CacheSpace
from reader_app.store.clip_key import ClipKey
from reader_app.store.errors import StoreError, StoreProblem, translated

log = logging.getLogger("reader_app.store.book_cache")  # logged under the cache's name, as before the split


class ClipStore(CacheSpace):
    """The clips' reads and writes."""

    def get_clip(self, key: ClipKey) -> AudioClip | None:
        """The cached audio for `key`, or None (never a partial or damaged clip, and no error for damage)."""
        digest = key.digest
        try:
            with translated("read cached audio", self.path):
                row = self._conns.conn.execute(
                    "SELECT codec, sample_rate, n_samples, duration_s, crc32, data FROM clips WHERE digest = ?",
                    (digest,)).fetchone()
        except StoreError as exc:
            if exc.reason is not StoreProblem.DAMAGED:
                raise
            if self._conns.renew_if_stale():
                return self.get_clip(key)
            self._saw_damage(f"clip {digest}")
            return None
        if row is None:
            return None
        codec_name, rate, n_samples, duration_s, crc, data = row
        try:
            if zlib.crc32(data) != crc:
                raise ValueError("checksum mismatch")
            if not _fields_agree(rate, n_samples, duration_s):
                raise ValueError(f"sample rate {rate}, {n_samples} samples and {duration_s} s disagree")
            clip = codec.decode(codec_name, data, rate, n_samples)
        except Exception as exc:  # noqa: BLE001 - a damaged clip is a missing clip: the caller regenerates it
            if self._conns.renew_if_stale():  # read through a -wal replaced meanwhile: read it again
                return self.get_clip(key)
            if self._structure_sound():  # only its bytes are bad: dropping the row is safe
                log.warning("dropping damaged clip %s in %s: %s", digest, self.path.name, exc)
                self._try_delete(digest)
            else:  # freeing pages of a damaged chain could free pages other clips use
                self._saw_damage(f"clip {digest}")
            return None
        self._touch(digest)
        return clip

    def has_clip(self, key: ClipKey) -> bool:
        """Is this clip cached now (one indexed lookup: cheap enough to ask before every sentence)?"""
        return bool(self.cached_digests([key]))

    def cached_digests(self, keys: Iterable[ClipKey | str]) -> set[str]:
        """Which of these keys (or digests) have a clip; one query per 500 keys."""
        digests = list({k if isinstance(k, str) else k.digest for k in keys})
        found: set[str] = set()
        try:
            with translated("read cached audio", self.path):
                for i in range(0, len(digests), IN_CHUNK):
                    chunk = digests[i:i + IN_CHUNK]
                    marks = ",".join("?" * len(chunk))
                    rows = self._conns.conn.execute(f"SELECT digest FROM clips WHERE digest IN ({marks})", chunk)
                    found.update(r[0] for r in rows)
        except StoreError as exc:
            if exc.reason is not StoreProblem.DAMAGED:
                raise
            if self._conns.renew_if_stale():
                return self.cached_digests(digests)
            self._saw_damage("the clip index")
            from reader_app.store.maintenance import readable_digests

            return readable_digests(self._conns.conn) & set(digests)
        return found

    def clip_durations(self, keys: Iterable[ClipKey | str]) -> dict[str, float]:
        """Seconds of audio of each of these keys that has a clip (nothing decoded; for export plans and progress)."""
        digests = list({k if isinstance(k, str) else k.digest for k in keys})
        found: dict[str, float] = {}
        with translated("read cached audio", self.path):
            for i in range(0, len(digests), IN_CHUNK):
                chunk = digests[i:i + IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._conns.conn.execute(
                    f"SELECT digest, n_samples, sample_rate FROM clips WHERE digest IN ({marks})", chunk)
                found.update((digest, n / rate) for digest, n, rate in rows)
        return found

    def put_clip(self, key: ClipKey, clip: AudioClip, sentence_id: str | None = None) -> None:
        """Store `clip` as the audio of `key` (replacing any), committed when this returns.

        Raises StoreError only when the clip was not stored: reason DISK_FULL, READ_ONLY, DAMAGED, LOCKED, ..."""
        if self.damaged:
            raise StoreError(f"Could not store audio for {self._title()!r}: its cache file is damaged and is "
                             "repaired when the book is next opened", StoreProblem.DAMAGED)
        codec_name, data = codec.encode(clip)  # CPU work outside the write lock
        now = time.time()
        row = (key.digest, key.text, key.voice_id, key.model_id, codec_name, clip.sample_rate, len(clip.samples),
               clip.duration_s, len(data), zlib.crc32(data), now, now, data)
        with self._damage_noted("writing audio"), self._conns.write(f"store audio for {self._title()!r}") as db:
            old = db.conn.execute("SELECT size_bytes FROM clips WHERE digest = ?", (key.digest,)).fetchone()
            db.conn.execute(
                """INSERT INTO clips (digest, text, voice_id, model_id, codec, sample_rate, n_samples, duration_s,
                                      size_bytes, crc32, created_at, last_used_at, data)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
                   ON CONFLICT(digest) DO UPDATE SET codec=excluded.codec, sample_rate=excluded.sample_rate,
                     n_samples=excluded.n_samples, duration_s=excluded.duration_s, size_bytes=excluded.size_bytes,
                     crc32=excluded.crc32, created_at=excluded.created_at, last_used_at=excluded.last_used_at,
                     data=excluded.data""", row)
            if sentence_id is not None:
                db.conn.execute("INSERT OR IGNORE INTO clip_links (sentence_id, digest) VALUES (?, ?)",
                                (sentence_id, key.digest))
            commits = int(db.conn.execute(
                "INSERT INTO meta (key, value) VALUES ('commits', '1') ON CONFLICT(key) DO UPDATE "
                "SET value = CAST(value AS INTEGER) + 1 RETURNING value").fetchone()[0])
            instance = db.conn.execute("SELECT value FROM meta WHERE key = 'instance'").fetchone()
        if instance is not None:
            self._ledger.record(instance[0], commits)
        added = len(data) - (old[0] if old else 0)
        self._add_bytes(added)
        # The clip is stored: from here on, failures are logged, so put_clip raises only when it did not store.
        try:
            if self.max_bytes is not None and self._audio_bytes > max(self.max_bytes, self._evict_floor):
                if self.evict(self.max_bytes) == 0:
                    # Only protected clips left: retry after some growth (1 %, at least 256 KB), not every clip.
                    self._evict_floor = self._audio_bytes + max(self.max_bytes // 100, 256 * 1024)
            if self._on_put is not None:
                self._on_put(self, added)
        except StoreError as exc:
            log.warning("cache limit not enforced: %s", exc)

    def _try_delete(self, digest: str) -> None:
        if self.read_only or self.damaged:
            return
        try:
            self._delete([digest], "drop a damaged clip")
        except StoreError as exc:  # e.g. disk full: reading must keep working
            log.warning("%s", exc)

    def _structure_sound(self) -> bool:
        """SQLite's quick check of the whole file (reads it all: only after a clip failed its checksum)."""
        try:
            with translated(f"check {self.path.name}", self.path):
                return [r[0] for r in self._conns.conn.execute("PRAGMA quick_check(1)")] == ["ok"]
        except StoreError:
            return False


def _fields_agree(rate: int, n_samples: int, duration_s: float | None) -> bool:
    """A clip's sample count and duration are stored apart: a flipped byte in either shows as disagreement."""
    if not isinstance(rate, int) or rate <= 0 or not isinstance(n_samples, int) or n_samples < 0:
        return False
    return duration_s is None or (isinstance(duration_s, int | float) and abs(duration_s - n_samples / rate) < 1e-3)
