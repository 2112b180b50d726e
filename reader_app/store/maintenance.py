"""Checking a cache file end to end, reading what a damaged one still holds, and copying one safely."""

from __future__ import annotations

import functools
import os
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import sqlite_utils

from reader_app.store.codec import KNOWN_CODECS
from reader_app.store.db import ThreadConnections
from reader_app.store.errors import READ_ERRORS, StoreError, StoreProblem, folder_is_read_only, translated
from reader_app.store.migrations import Step, schema_version
from reader_app.store.schema import CACHE_STEPS

_MAX_LISTED = 20  # a badly damaged file would otherwise print one line per clip
CLIP_COLUMNS = ("digest", "text", "voice_id", "model_id", "codec", "sample_rate", "n_samples", "duration_s",
                "size_bytes", "crc32", "created_at", "last_used_at", "data")
_ROWID_PROBE_SPAN = 10_000  # how far past the last readable row to look when the table's end is unreadable


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def probe(conn: sqlite3.Connection, steps: Sequence[Step] = ()) -> None:
    """Walk every table and index once, reading the first column of each row but no blob overflow pages: a
    damaged b-tree page raises sqlite3.DatabaseError, and so does an index missing entries its table has (for
    indexes on columns stored before any blob, so the table scan stays cheap), and a schema that is not the one
    `steps` build (damaged schema text). Milliseconds for a book's cache."""
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")  # one snapshot: another process's commit between two counts is not damage
    try:
        _probe(conn, steps)
    finally:
        if began and conn.in_transaction:
            conn.execute("COMMIT")


def _probe(conn: sqlite3.Connection, steps: Sequence[Step]) -> None:
    problems = schema_problems(conn, steps) if steps else []
    if problems:
        raise sqlite3.DatabaseError(f"{problems[0]} (database disk image is malformed)")
    objects = conn.execute("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index') "
                           "AND name NOT LIKE 'sqlite_stat%'").fetchall()
    for kind, name, table in objects:
        if kind == "table":
            first = conn.execute(f"PRAGMA table_info({_quote(name)})").fetchone()
            column = _quote(first[1]) if first else "rowid"
            conn.execute(f"SELECT count(*), sum(length({column})) FROM {_quote(name)} NOT INDEXED").fetchone()
            continue
        info = conn.execute(f"PRAGMA index_info({_quote(name)})").fetchone()
        if info is None or info[2] is None:
            continue  # an index on an expression: none here
        column = _quote(info[2])
        in_index = conn.execute(f"SELECT count({column}) FROM {_quote(table)} INDEXED BY {_quote(name)}").fetchone()[0]
        if _before_any_blob(conn, table, info[2]):
            in_table = conn.execute(f"SELECT count({column}) FROM {_quote(table)} NOT INDEXED").fetchone()[0]
            if in_table != in_index:
                raise sqlite3.DatabaseError(f"index {name} has {in_index} entries, table {table} {in_table} "
                                            "(database disk image is malformed)")


def schema_problems(conn: sqlite3.Connection, steps: Sequence[Step]) -> list[str]:
    """How the tables and indexes differ from what the migration steps create (names and columns)."""
    expected_tables, expected_indexes = _expected_schema(tuple(steps))
    problems = []
    names = {row[0]: row[1] for row in conn.execute("SELECT name, type FROM sqlite_master")}
    for table, columns in expected_tables.items():
        if names.get(table) != "table":
            problems.append(f"table {table} is missing")
            continue
        found = tuple(r[1] for r in conn.execute(f"PRAGMA table_info({_quote(table)})"))
        if found != columns:
            problems.append(f"table {table} has columns {', '.join(found)}; expected {', '.join(columns)}")
    for index in sorted(expected_indexes - {n for n, kind in names.items() if kind == "index"}):
        problems.append(f"index {index} is missing")
    return problems


@functools.cache
def _expected_schema(steps: tuple[Step, ...]) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    db = sqlite_utils.Database(memory=True)
    for step in steps:
        step(db)
    tables = {t.name: tuple(c.name for c in t.columns) for t in db.tables}
    indexes = frozenset(r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'"))
    db.close()
    return tables, indexes


def _before_any_blob(conn: sqlite3.Connection, table: str, column: str) -> bool:
    for _cid, name, kind, *_rest in conn.execute(f"PRAGMA table_info({_quote(table)})"):
        if name == column:
            return True
        if str(kind).upper() in ("BLOB", ""):
            return False
    return False


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
    except READ_ERRORS:
        return  # the schema itself is unreadable: nothing can be found
    last = 0
    try:
        for row in conn.execute(f"SELECT rowid, {select} FROM {_quote(table)} ORDER BY rowid"):
            last = row[0]
            yield row[0], tuple(row[1:])
        return
    except READ_ERRORS as exc:
        if isinstance(exc, sqlite3.OperationalError) and "no such column" in str(exc):
            raise
    end = _largest_rowid(conn, table, last)
    for rowid in range(last + 1, end + 1):
        try:
            row = conn.execute(f"SELECT {select} FROM {_quote(table)} WHERE rowid = ?", (rowid,)).fetchone()
        except READ_ERRORS:
            yield rowid, None
            continue
        if row is not None:
            yield rowid, tuple(row)


def _largest_rowid(conn: sqlite3.Connection, table: str, last: int) -> int:
    try:
        found = conn.execute(f"SELECT max(rowid) FROM {_quote(table)}").fetchone()[0]
        if found is not None:
            return int(found)
    except READ_ERRORS:
        pass
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)):
        try:
            found = conn.execute(f"SELECT max(rowid) FROM {_quote(table)} INDEXED BY {_quote(name)}").fetchone()[0]
            if found is not None:
                return int(found)
        except READ_ERRORS:
            continue
    return last + _ROWID_PROBE_SPAN


def readable_digests(conn: sqlite3.Connection) -> set[str]:
    """Every digest the clip table still yields, read past damaged pages (the index may be the damaged part)."""
    try:
        return {r[0] for r in conn.execute("SELECT digest FROM clips NOT INDEXED")}
    except READ_ERRORS:
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
        except READ_ERRORS as exc:
            problems.append(f"foreign keys could not be checked: {exc}")
        version = schema_version(conns.db)
        if version != expected_version:
            problems.append(f"schema version {version}, expected {expected_version}")
        problems.extend(schema_problems(conn, CACHE_STEPS[:expected_version]))
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
    except READ_ERRORS:
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
    if not isinstance(codec, str) or codec not in KNOWN_CODECS:
        return f"unknown codec {codec!r}"
    if not isinstance(data, bytes) or len(data) != size:
        return f"stored {len(data) if isinstance(data, bytes) else 0} bytes, recorded {size}"
    if zlib.crc32(data) != crc:
        return "checksum mismatch"
    if not isinstance(rate, int) or rate <= 0 or not isinstance(n, int) or n < 0:
        return f"bad sample rate {rate} or sample count {n}"
    if duration_s is not None and (not isinstance(duration_s, int | float) or abs(duration_s - n / rate) >= 1e-3):
        return f"{n} samples at {rate} Hz recorded as {duration_s!r} s"
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


def read_only_rows(path: Path, sql: str) -> list[tuple]:
    """The rows of one query on a database file opened read-only for it (the narration config reads a book's
    studio tables this way, without opening its BookCache). [] when the file is not there or has no such table
    (older than the schema step that made it); sqlite3.Error or UnicodeDecodeError when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        return []
    conn = connect_read_only(path)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError as exc:
        if str(exc).startswith("no such table"):
            return []
        raise
    finally:
        conn.close()


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
