"""Checking a cache file end to end, reading what a damaged one still holds, and copying one safely."""

from __future__ import annotations

import os
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path

from reader_app.store.codec import KNOWN_CODECS
from reader_app.store.db import ThreadConnections
from reader_app.store.errors import StoreError, StoreProblem, folder_is_read_only, translated
from reader_app.store.migrations import schema_version

_MAX_LISTED = 20  # a badly damaged file would otherwise print one line per clip
CLIP_COLUMNS = ("digest", "text", "voice_id", "model_id", "codec", "sample_rate", "n_samples", "duration_s",
                "size_bytes", "crc32", "created_at", "last_used_at", "data")
_ROWID_PROBE_SPAN = 10_000  # how far past the last readable row to look when the table's end is unreadable


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def probe(conn: sqlite3.Connection) -> None:
    """Walk every table and index once, reading the first column of each row but no blob overflow pages:
    a damaged b-tree page raises sqlite3.DatabaseError. Milliseconds for a book's cache."""
    objects = conn.execute("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index') "
                           "AND name NOT LIKE 'sqlite_stat%'").fetchall()
    for kind, name, table in objects:
        if kind == "table":
            first = conn.execute(f"PRAGMA table_info({_quote(name)})").fetchone()
            column = _quote(first[1]) if first else "rowid"
            conn.execute(f"SELECT count(*), sum(length({column})) FROM {_quote(name)} NOT INDEXED").fetchone()
        else:
            info = conn.execute(f"PRAGMA index_info({_quote(name)})").fetchone()
            if info is None or info[2] is None:
                continue  # an index on an expression: none here
            conn.execute(f"SELECT count({_quote(info[2])}) FROM {_quote(table)} INDEXED BY {_quote(name)}").fetchone()


def scan_rows(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]
              ) -> Iterator[tuple[int, tuple | None]]:
    """(rowid, row) for every row of `table` in rowid order; (rowid, None) for a row on a damaged page.

    One ordered scan while the table reads cleanly; past the first damaged page, one lookup per rowid (rows
    whose pages are intact are still found), up to the largest rowid the table or its indexes report."""
    select = ", ".join(_quote(c) for c in columns)
    try:
        if conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (table,)).fetchone()[0] == 0:
            return
    except sqlite3.DatabaseError:
        return  # the schema itself is unreadable: nothing can be found
    last = 0
    try:
        for row in conn.execute(f"SELECT rowid, {select} FROM {_quote(table)} ORDER BY rowid"):
            last = row[0]
            yield row[0], tuple(row[1:])
        return
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "no such column" in str(exc):
            raise
    end = _largest_rowid(conn, table, last)
    for rowid in range(last + 1, end + 1):
        try:
            row = conn.execute(f"SELECT {select} FROM {_quote(table)} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            yield rowid, None
            continue
        if row is not None:
            yield rowid, tuple(row)


def _largest_rowid(conn: sqlite3.Connection, table: str, last: int) -> int:
    try:
        found = conn.execute(f"SELECT max(rowid) FROM {_quote(table)}").fetchone()[0]
        if found is not None:
            return int(found)
    except sqlite3.DatabaseError:
        pass
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)):
        try:
            found = conn.execute(f"SELECT max(rowid) FROM {_quote(table)} INDEXED BY {_quote(name)}").fetchone()[0]
            if found is not None:
                return int(found)
        except sqlite3.DatabaseError:
            continue
    return last + _ROWID_PROBE_SPAN


def readable_digests(conn: sqlite3.Connection) -> set[str]:
    """Every digest the clip table still yields, read past damaged pages (the index may be the damaged part)."""
    try:
        return {r[0] for r in conn.execute("SELECT digest FROM clips NOT INDEXED")}
    except sqlite3.DatabaseError:
        return {row[0] for _rowid, row in scan_rows(conn, "clips", ("digest",)) if row is not None}


def integrity_problems(conns: ThreadConnections, expected_version: int) -> list[str]:
    """SQLite's own integrity check (naming the table or index of each damaged page), foreign keys, lost writes,
    then every clip's checksum and fields, read past damaged pages. [] when all is well."""
    problems: list[str] = []
    with translated(f"check {conns.path.name}", conns.path):
        conn = conns.conn
        names = _tree_names(conn)
        for (line,) in conn.execute("PRAGMA integrity_check(100)"):
            if line != "ok":
                problems.append(f"sqlite: {_name_trees(line, names)}")
        try:
            for row in conn.execute("PRAGMA foreign_key_check"):
                problems.append(f"dangling reference in {row[0]} (row {row[1]}) to {row[2]}")
        except sqlite3.DatabaseError as exc:
            problems.append(f"foreign keys could not be checked: {exc}")
        version = schema_version(conns.db)
        if version != expected_version:
            problems.append(f"schema version {version}, expected {expected_version}")
        meta = _readable_meta(conn)
        if "book_id" not in meta:
            problems.append("no book id recorded")
        if int(meta.get("lost_commits") or 0):
            problems.append(f"{meta['lost_commits']} clip write(s) were lost with a removed or replaced -wal file "
                            "(`--repair` acknowledges it; they will be generated again)")
        bad = 0
        for rowid, row in scan_rows(conn, "clips", ("digest", "codec", "sample_rate", "n_samples", "duration_s",
                                                    "size_bytes", "crc32", "data")):
            why = "unreadable (its database page is damaged)" if row is None else clip_problem(*row[1:])
            if why:
                bad += 1
                if bad <= _MAX_LISTED:
                    problems.append(f"clip {row[0] if row else f'at row {rowid}'}: {why}")
        if bad > _MAX_LISTED:
            problems.append(f"... and {bad - _MAX_LISTED} more damaged clips")
    return problems


def _readable_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return {row[0]: row[1] for _rowid, row in scan_rows(conn, "meta", ("key", "value")) if row is not None}


def _tree_names(conn: sqlite3.Connection) -> dict[int, str]:
    try:
        return {int(page): f"{kind} {name}" for kind, name, page in
                conn.execute("SELECT type, name, rootpage FROM sqlite_master WHERE rootpage > 0")}
    except sqlite3.DatabaseError:
        return {}


def _name_trees(line: str, names: dict[int, str]) -> str:
    """'Tree 7 page 12: ...' -> 'Tree 7 (index idx_clips_text) page 12: ...'."""
    if line.startswith("Tree "):
        number = line[5:].split(" ", 1)[0]
        if number.isdigit() and int(number) in names:
            return line.replace(f"Tree {number}", f"Tree {number} ({names[int(number)]})", 1)
    return line


def clip_problem(codec: str, rate: int, n: int, duration_s: float | None, size: int, crc: int,
                  data: bytes | None) -> str | None:
    if codec not in KNOWN_CODECS:
        return f"unknown codec {codec!r}"
    if not isinstance(data, bytes) or len(data) != size:
        return f"stored {len(data) if isinstance(data, bytes) else 0} bytes, recorded {size}"
    if zlib.crc32(data) != crc:
        return "checksum mismatch"
    if not isinstance(rate, int) or rate <= 0 or not isinstance(n, int) or n < 0:
        return f"bad sample rate {rate} or sample count {n}"
    if duration_s is not None and abs(duration_s - n / rate) >= 1e-3:
        return f"{n} samples at {rate} Hz recorded as {duration_s} s"
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
        raise StoreError(f"No such cache file: {path}", StoreProblem.MISSING)
    with translated(f"read {path.name}", path):
        conn = connect_read_only(path)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            try:
                row = conn.execute("SELECT value FROM meta WHERE key = 'book_id'").fetchone()
            except sqlite3.OperationalError:
                row = None
        finally:
            conn.close()
    if not row:
        raise StoreError(f"{path.name} is not a reader-app book cache (no book id inside)", StoreProblem.OTHER)
    return row[0], version


def connect_read_only(path: Path, *, salvage: bool = False) -> sqlite3.Connection:
    """A read-only connection that works in a read-only folder too (immutable when no -shm can be made there).

    salvage: also open a truncated file (SQLite refuses one whose header promises more pages than the file
    has, unless writable_schema is on; the connection is read-only, so nothing can be written through it)."""
    uri = Path(path).absolute().as_uri() + "?mode=ro"
    try:
        return _checked_connection(uri, salvage)
    except sqlite3.OperationalError:
        if not folder_is_read_only(Path(path)):
            raise
    return _checked_connection(uri + "&immutable=1", salvage)


def _checked_connection(uri: str, salvage: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True)
    try:
        if salvage:
            conn.execute("PRAGMA writable_schema=ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def connect_for_salvage(path: Path) -> sqlite3.Connection:
    return connect_read_only(path, salvage=True)
