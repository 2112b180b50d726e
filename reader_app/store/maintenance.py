"""Checking a cache file end to end, and copying one safely (export/import between machines)."""

from __future__ import annotations

import os
import sqlite3
import zlib
from pathlib import Path

from reader_app.store.codec import KNOWN_CODECS
from reader_app.store.db import ThreadConnections
from reader_app.store.errors import StoreError, translated
from reader_app.store.migrations import schema_version

_MAX_LISTED = 20  # a badly damaged file would otherwise print one line per clip


def integrity_problems(conns: ThreadConnections, expected_version: int) -> list[str]:
    """SQLite's own integrity check, foreign keys, then every clip's checksum and fields. [] when all is well."""
    problems: list[str] = []
    with translated(f"check {conns.path.name}", conns.path):
        conn = conns.conn
        for (line,) in conn.execute("PRAGMA integrity_check"):
            if line != "ok":
                problems.append(f"sqlite: {line}")
        for row in conn.execute("PRAGMA foreign_key_check"):
            problems.append(f"dangling reference in {row[0]} (row {row[1]}) to {row[2]}")
        version = schema_version(conns.db)
        if version != expected_version:
            problems.append(f"schema version {version}, expected {expected_version}")
        if conn.execute("SELECT count(*) FROM meta WHERE key = 'book_id'").fetchone()[0] != 1:
            problems.append("no book id recorded")
        bad = 0
        for digest, codec, rate, n, size, crc, data in conn.execute(
                "SELECT digest, codec, sample_rate, n_samples, size_bytes, crc32, data FROM clips"):
            why = _clip_problem(codec, rate, n, size, crc, data)
            if why:
                bad += 1
                if bad <= _MAX_LISTED:
                    problems.append(f"clip {digest}: {why}")
        if bad > _MAX_LISTED:
            problems.append(f"... and {bad - _MAX_LISTED} more damaged clips")
    return problems


def _clip_problem(codec: str, rate: int, n: int, size: int, crc: int, data: bytes | None) -> str | None:
    if codec not in KNOWN_CODECS:
        return f"unknown codec {codec!r}"
    if data is None or len(data) != size:
        return f"stored {0 if data is None else len(data)} bytes, recorded {size}"
    if zlib.crc32(data) != crc:
        return "checksum mismatch"
    if rate is None or rate <= 0 or n is None or n < 0:
        return f"bad sample rate {rate} or sample count {n}"
    return None


def backup_to(conns: ThreadConnections, dest: Path) -> None:
    """Write a consistent single-file copy of the database at `dest` (replaced atomically)."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.part")
    with translated(f"export {conns.path.name} to {dest}", dest):
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        out = sqlite3.connect(str(tmp))
        try:
            conns.conn.backup(out)
            out.execute("PRAGMA journal_mode=DELETE")  # no -wal beside it: one file to carry
            out.close()
            os.replace(tmp, dest)
        except BaseException:
            out.close()
            tmp.unlink(missing_ok=True)
            raise


def read_cache_identity(path: Path) -> tuple[str, int]:
    """(book id, schema version) of a cache file, opened read-only; StoreError when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"No such cache file: {path}")
    with translated(f"read {path.name}", path):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            try:
                row = conn.execute("SELECT value FROM meta WHERE key = 'book_id'").fetchone()
            except sqlite3.OperationalError:
                row = None
        finally:
            conn.close()
    if not row:
        raise StoreError(f"{path.name} is not a reader-app book cache (no book id inside)")
    return row[0], version
