"""Mending a damaged book cache: drop only the damaged clips, keep every intact one, rebuild the indexes.

In place when SQLite's own structure is sound (bad checksums or fields: those clips are deleted; damaged
indexes: REINDEX). When table pages are damaged, what still reads cleanly (meta, sentences, every clip whose
bytes pass their checksum, their sentence links) is copied into a new file, which takes the old one's place;
the damaged file is set aside (`.damaged`), never deleted. A file too damaged to open is set aside and replaced
by an empty cache.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reader_app.store.book_cache import BookCache
from reader_app.store.damage import SIDE_FILES, set_aside
from reader_app.store.errors import StoreError, StoreProblem, translated
from reader_app.store.lexicon_store import LEXICON_COLUMNS
from reader_app.store.maintenance import CLIP_COLUMNS, clip_problem, connect_for_salvage, scan_rows, schema_problems
from reader_app.store.schema import CACHE_STEPS

log = logging.getLogger(__name__)

_COPY_BATCH = 64  # clips per insert: bounds the memory a rebuild holds
_NOT_COPIED_META = ("lost_commits", "lost_at", "sentences_signature")
SPEAKER_COLUMNS = ("sentence_id", "speaker", "confidence", "source")
CHARACTER_VOICE_COLUMNS = ("name", "voice_name")
TAKE_COLUMNS = ("sentence_id", "kept", "made", "marked_bad", "updated_at")


@dataclass
class RepairReport:
    path: Path
    kept: int = 0  # clips kept
    dropped: list[str] = field(default_factory=list)  # one line per dropped clip (or unreadable row)
    reindexed: bool = False
    rebuilt: bool = False  # copied into a new file (table pages were damaged)
    set_aside: Path | None = None  # where the damaged original went
    lost_acknowledged: int = 0  # clip writes lost with a removed -wal, now acknowledged

    def summary(self, *, named: bool = True) -> str:
        """One line for the user (named: starting with the file's name)."""
        name = f"{self.path.name}: " if named else ""
        if self.set_aside is not None and not self.rebuilt and self.kept == 0:
            return (f"{name}could not be read at all: set aside as {self.set_aside.name}, "
                    "a new empty cache takes its place (its audio will be generated again)")
        parts = [f"kept {self.kept} clip(s)"]
        if self.dropped:
            parts.append(f"dropped {len(self.dropped)} damaged (they will be generated again)")
        if self.reindexed:
            parts.append("rebuilt the indexes")
        if self.rebuilt:
            parts.append(f"copied what was intact into a new file (the damaged one is kept as "
                         f"{self.set_aside.name if self.set_aside else '?'})")
        if self.lost_acknowledged:
            parts.append(f"{self.lost_acknowledged} lost clip write(s) acknowledged")
        if not (self.dropped or self.reindexed or self.rebuilt or self.lost_acknowledged):
            parts.append("no damage found")
        return name + ", ".join(parts)


def repair_cache(path: Path, book_id: str | None = None) -> RepairReport:
    """Repair the cache file at `path` (close other users of it first). Returns what was done."""
    path = Path(path)
    report = RepairReport(path)
    try:
        cache = BookCache(path, book_id=book_id)
    except StoreError as exc:
        if exc.reason is not StoreProblem.DAMAGED:
            raise
        if schema_readable(path):
            return _rebuild(path, book_id, report)
        report.set_aside = set_aside(path)
        BookCache(path, book_id=book_id).close()
        return report
    with cache:
        conn = cache._conns.conn
        try:
            sound = _sqlite_sound(conn) and not schema_problems(conn, CACHE_STEPS)
            if not sound:
                with translated(f"rebuild the indexes of {path.name}", path):
                    conn.execute("REINDEX")
                report.reindexed = True
                sound = _sqlite_sound(conn) and not schema_problems(conn, CACHE_STEPS)
        except (sqlite3.DatabaseError, UnicodeDecodeError, StoreError) as exc:
            log.warning("%s cannot be mended in place: %s", path.name, exc)
            sound = False
        if sound:
            bad = _bad_clips(conn)
            if all(digest is not None for digest, _why in bad):
                cache._delete([digest for digest, _why in bad if digest is not None], "drop damaged clips")
                report.dropped = [f"clip {digest}: {why}" for digest, why in bad]
                with cache._conns.write("drop links to missing clips") as db:  # e.g. a damaged digest
                    db.execute("DELETE FROM clip_links WHERE digest NOT IN (SELECT digest FROM clips)")
                report.lost_acknowledged = int(cache.meta("lost_commits") or 0)
                if report.lost_acknowledged:
                    cache._set_meta({"lost_commits": "0"})
                report.kept = cache.stats().clips
                return report
        recorded_id = book_id or _readable_book_id(conn)
    return _rebuild(path, recorded_id, report)


def schema_readable(path: Path) -> bool:
    """Can SQLite read the file's schema at all (its first page)? If not, nothing in it can be found."""
    if not path.is_file():
        return False
    try:
        conn = connect_for_salvage(path)
        try:
            return conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'clips'").fetchone()[0] == 1
        finally:
            conn.close()
    except (sqlite3.Error, UnicodeDecodeError):
        return False


def _sqlite_sound(conn: sqlite3.Connection) -> bool:
    return [row[0] for row in conn.execute("PRAGMA integrity_check(1)")] == ["ok"]


def _bad_clips(conn: sqlite3.Connection) -> list[tuple[str | None, str]]:
    bad: list[tuple[str | None, str]] = []
    for rowid, row in scan_rows(conn, "clips", ("digest", "codec", "sample_rate", "n_samples", "duration_s",
                                                "size_bytes", "crc32", "data")):
        if row is None:
            bad.append((None, f"row {rowid} unreadable"))
        elif why := clip_problem(*row[1:]):
            bad.append((row[0], why))
    return bad


def _readable_book_id(conn: sqlite3.Connection) -> str | None:
    for _rowid, row in scan_rows(conn, "meta", ("key", "value")):
        if row is not None and row[0] == "book_id":
            return str(row[1])
    return None


def _rebuild(path: Path, book_id: str | None, report: RepairReport) -> RepairReport:
    """Copy what reads cleanly into a new file beside `path`, set `path` aside, and move the copy in."""
    tmp = path.with_name(f".{path.name}.repair")
    for suffix in ("", *SIDE_FILES):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    with translated(f"repair {path.name}", path):
        source = connect_for_salvage(path)
        try:
            with BookCache(tmp, book_id=book_id) as fresh:
                _copy_intact(source, fresh, report)
        finally:
            source.close()
        report.set_aside = set_aside(path)
        os.replace(tmp, path)
        for suffix in SIDE_FILES:
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    report.rebuilt = True
    return report


def _rows(source: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> Iterator[tuple[int, tuple | None]]:
    """scan_rows by the expected column names; by position when the schema's names are damaged but its shape is
    the same; nothing when even that does not fit."""
    try:
        found = tuple(r[1] for r in source.execute(f'PRAGMA table_info("{table}")'))
    except (sqlite3.DatabaseError, UnicodeDecodeError):
        return
    if found != columns and len(found) == len(columns):
        columns = found  # same place, damaged name: the values are where the expected columns would be
    elif found != columns:
        log.warning("%s has columns %s; not copied", table, found)
        return
    yield from scan_rows(source, table, columns)


def _copy_intact(source: sqlite3.Connection, fresh: BookCache, report: RepairReport) -> None:
    meta = {row[0]: row[1] for _r, row in _rows(source, "meta", ("key", "value")) if row is not None}
    chapters = list(_rows(source, "chapters", ("idx", "title", "first_ord")))
    sentences = list(_rows(source, "sentences", ("id", "ord", "chapter_index", "idx", "paragraph_index", "text")))
    whole = all(row is not None for _r, row in chapters + sentences)
    keep_meta = {k: v for k, v in meta.items() if k not in _NOT_COPIED_META and k != "book_id"}
    if whole and "sentences_signature" in meta:
        keep_meta["sentences_signature"] = meta["sentences_signature"]  # else the next open stores them again
    with fresh._conns.write("copy the intact part of a damaged cache") as db:
        db.table("meta").upsert_all([{"key": k, "value": v} for k, v in keep_meta.items()], pk="key")
        db.conn.executemany("INSERT OR IGNORE INTO chapters (idx, title, first_ord) VALUES (?, ?, ?)",
                            [row for _r, row in chapters if row is not None])
        db.conn.executemany("INSERT OR IGNORE INTO sentences (id, ord, chapter_index, idx, paragraph_index, text) "
                            "VALUES (?, ?, ?, ?, ?, ?)", [row for _r, row in sentences if row is not None])
    kept: set[str] = set()
    batch: list[tuple] = []
    marks = ",".join("?" * len(CLIP_COLUMNS))
    insert = f"INSERT OR IGNORE INTO clips ({', '.join(CLIP_COLUMNS)}) VALUES ({marks})"

    def flush() -> None:
        with fresh._conns.write("copy intact clips") as db:
            db.conn.executemany(insert, batch)
        batch.clear()

    for rowid, row in _rows(source, "clips", CLIP_COLUMNS):
        if row is None:
            report.dropped.append(f"clip at row {rowid}: unreadable (its database page is damaged)")
            continue
        values = dict(zip(CLIP_COLUMNS, row, strict=True))
        why = clip_problem(values["codec"], values["sample_rate"], values["n_samples"], values["duration_s"],
                           values["size_bytes"], values["crc32"], values["data"])
        if why:
            report.dropped.append(f"clip {values['digest']}: {why}")
            continue
        kept.add(values["digest"])
        batch.append(row)
        if len(batch) >= _COPY_BATCH:
            flush()
    if batch:
        flush()
    links = [row for _r, row in _rows(source, "clip_links", ("sentence_id", "digest"))
             if row is not None and row[1] in kept]
    with fresh._conns.write("copy sentence links") as db:
        db.conn.executemany("INSERT OR IGNORE INTO clip_links (sentence_id, digest) VALUES (?, ?)", links)
    lexicon = [row for _r, row in _rows(source, "lexicon", LEXICON_COLUMNS) if row is not None]
    with fresh._conns.write("copy the book's lexicon") as db:  # the reader's own work: never lost to a repair
        db.conn.executemany(f"INSERT OR IGNORE INTO lexicon ({', '.join(LEXICON_COLUMNS)}) "
                            f"VALUES ({', '.join('?' * len(LEXICON_COLUMNS))})", lexicon)
    # The reader's choice of take is kept even where its clip was lost: that take is then made again.
    takes = [row for _r, row in _rows(source, "takes", TAKE_COLUMNS) if row is not None]
    with fresh._conns.write("copy the kept takes") as db:
        db.conn.executemany(f"INSERT OR IGNORE INTO takes ({', '.join(TAKE_COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
                            takes)
    # Who speaks each line (the reader's corrections among them) and the character voices.
    for table, columns in (("speakers", SPEAKER_COLUMNS), ("character_voices", CHARACTER_VOICE_COLUMNS)):
        rows = [row for _r, row in _rows(source, table, columns) if row is not None]
        with fresh._conns.write(f"copy the {table.replace('_', ' ')}") as db:
            db.conn.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) "
                                f"VALUES ({', '.join('?' * len(columns))})", rows)
    report.kept = len(kept)
