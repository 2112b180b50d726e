"""One book's cache file: its sentences and the audio clips generated for them, keyed by ClipKey.digest.

Thread rules: any number of threads may call this object at once; each gets its own connection (db.py). Clip
writes are single transactions, so a reader sees a clip whole or not at all, and a crash mid-write leaves the
previous state. Every clip carries a CRC32 of its bytes; a clip that fails it is treated as missing, and so is a
clip on a damaged page of the file: reads never raise for damage, they report it once (`notices`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from reader_app import paths
from reader_app.audio.clip import AudioClip
from reader_app.books.model import Book
from reader_app.store import codec, eviction
from reader_app.store.characters import Characters
from reader_app.store.clip_key import ClipKey
from reader_app.store.commit_log import CommitLedger
from reader_app.store.db import ThreadConnections
from reader_app.store.errors import StoreError, StoreProblem, translated
from reader_app.store.identity import content_identity
from reader_app.store.lexicon_store import BookLexicon
from reader_app.store.migrations import migrate
from reader_app.store.records import CacheStats, Notice, Position
from reader_app.store.schema import CACHE_NEW_DB_PRAGMAS, CACHE_STEPS
from reader_app.store.takes import Takes

log = logging.getLogger(__name__)

_USAGE_FLUSH_EVERY = 64  # last-used times are batched: a write per played sentence would contend with generation
_IN_CHUNK = 500  # SQLite's default limit on bound parameters is 999 in older builds


class BookCache:
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

    @property
    def read_only(self) -> bool:
        """Opened from a folder that cannot be written: clips play, put_clip raises StoreError(READ_ONLY)."""
        return self._conns.read_only

    def _lay_down_identity(self, book_id: str | None, recorded: tuple[str, int] | None) -> None:
        """Give a new file its instance id (and book id) in the main file; notice commits lost with a -wal."""
        instance = self.meta("instance")
        if instance is None:
            with self._conns.write(f"write {self.path.name}") as db:  # once, if two processes create it together
                if db.conn.execute("SELECT 1 FROM meta WHERE key = 'instance'").fetchone() is None:
                    values = {"instance": uuid.uuid4().hex, "commits": "0"}
                    if book_id is not None:
                        values["book_id"] = book_id
                    db.table("meta").upsert_all([{"key": k, "value": v} for k, v in values.items()], pk="key")
            self.checkpoint()  # into the main file now: a -wal lost later cannot take the file's identity with it
            return
        if book_id is not None:
            self._set_meta({"book_id": book_id})
        commits = int(self.meta("commits") or 0)
        if recorded is None or recorded[0] != instance or recorded[1] <= commits:
            return
        lost = recorded[1] - commits
        before = int(self.meta("lost_commits") or 0)
        self._set_meta({"lost_commits": str(before + lost), "lost_at": str(time.time())})
        self._ledger.record(instance, commits, force=True)
        self._notice(StoreProblem.LOST_WRITES,
                     f"{lost} audio clip(s) stored for {self._title()!r} were lost: the cache's -wal file was "
                     f"removed or replaced before they reached {self.path.name}; they will be generated again")

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

    def _structure_sound(self) -> bool:
        """SQLite's quick check of the whole file (reads it all: only after a clip failed its checksum)."""
        try:
            with translated(f"check {self.path.name}", self.path):
                return [r[0] for r in self._conns.conn.execute("PRAGMA quick_check(1)")] == ["ok"]
        except StoreError:
            return False

    # --- metadata and sentences ---------------------------------------------------------------------------

    @property
    def takes(self) -> Takes:
        """The kept takes of regenerated sentences and the sentences marked bad (store/takes.py)."""
        return Takes(self._conns)

    @property
    def characters(self) -> Characters:
        """Who speaks each line and the character voices (store/characters.py)."""
        return Characters(self._conns)

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

    def accepts(self, book: Book) -> bool:
        """Is `book` the one this cache belongs to (same file, a known other file of it, or the same content)?"""
        stored = self.book_id
        if stored is None or book.fingerprint == stored or book.fingerprint in self._aliases:
            return True
        known = self.meta("content_id")
        return known is not None and known == content_identity(book)

    def sync_sentences(self, book: Book) -> bool:
        """Store the book's chapters and sentences (clips are kept). Returns False when already up to date.

        In a read-only folder nothing is stored (False): clips are found by their keys all the same."""
        if not self.accepts(book):
            raise StoreError(f"{self.path.name} holds the cache of another book, not {book.title!r}",
                             StoreProblem.OTHER_BOOK)
        if self.read_only:
            return False
        sentences = book.sentences()
        signature = hashlib.sha256(json.dumps(
            [book.parser_version, [(s.id, s.text, s.chapter_index, s.index, s.paragraph_index) for s in sentences],
             [c.title for c in book.chapters]], ensure_ascii=False).encode()).hexdigest()
        # What a rebuilt library needs to list this book again (library.db damaged): kept current on every open.
        meta = {"title": book.title, "authors": json.dumps(book.metadata.authors), "format": book.format,
                "parser_version": str(book.parser_version), "tts_language": book.tts_language,
                "path": paths.path_to_text(Path(book.path).absolute()), "language": book.metadata.language or "",
                "sentence_count": str(len(sentences)), "content_id": content_identity(book),
                "file_fingerprint": book.fingerprint}
        if self.meta("sentences_signature") == signature:
            current = self._meta_values(list(meta))
            changed = {k: v for k, v in meta.items() if current.get(k) != v}
            if changed:
                self._set_meta(changed)
            return False
        chapters, first = [], 0
        for chapter in book.chapters:
            chapters.append({"idx": chapter.index, "title": chapter.title, "first_ord": first})
            first += len(chapter.sentences)
        rows = [{"id": s.id, "ord": i, "chapter_index": s.chapter_index, "idx": s.index,
                 "paragraph_index": s.paragraph_index, "text": s.text} for i, s in enumerate(sentences)]
        meta["sentences_signature"] = signature
        if self.book_id is None:
            meta["book_id"] = book.fingerprint
        self._title_cache = None
        with self._conns.write(f"store the sentences of {book.title!r}") as db:
            db.execute("DELETE FROM sentences")
            db.execute("DELETE FROM chapters")
            db.table("chapters").insert_all(chapters, batch_size=500)
            db.table("sentences").insert_all(rows, batch_size=500)
            db.table("meta").upsert_all([{"key": k, "value": v} for k, v in meta.items()], pk="key")
        return True

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

    def sentence_count(self) -> int:
        with translated(f"read {self.path.name}", self.path):
            return self._conns.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]

    # --- clips ----------------------------------------------------------------------------------------------

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
                for i in range(0, len(digests), _IN_CHUNK):
                    chunk = digests[i:i + _IN_CHUNK]
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
            for i in range(0, len(digests), _IN_CHUNK):
                chunk = digests[i:i + _IN_CHUNK]
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
            for i in range(0, len(digests), _IN_CHUNK):
                chunk = digests[i:i + _IN_CHUNK]
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

    def _try_delete(self, digest: str) -> None:
        if self.read_only or self.damaged:
            return
        try:
            self._delete([digest], "drop a damaged clip")
        except StoreError as exc:  # e.g. disk full: reading must keep working
            log.warning("%s", exc)

    # --- size and eviction ----------------------------------------------------------------------------------

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

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file and shrink it (best effort: readers may hold it)."""
        if self.read_only:
            return
        try:
            self._conns.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except (sqlite3.Error, StoreError) as exc:
            log.debug("checkpoint of %s skipped: %s", self.path.name, exc)

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


def _fields_agree(rate: int, n_samples: int, duration_s: float | None) -> bool:
    """A clip's sample count and duration are stored apart: a flipped byte in either shows as disagreement."""
    if not isinstance(rate, int) or rate <= 0 or not isinstance(n_samples, int) or n_samples < 0:
        return False
    return duration_s is None or (isinstance(duration_s, int | float) and abs(duration_s - n_samples / rate) < 1e-3)
