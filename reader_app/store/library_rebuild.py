"""Rebuilding library.db: from what a damaged copy still reads, then from the book caches beside it.

Each book cache keeps what the library needs to list its book (meta: book id, title, authors, format, path,
language, content identity), so a library that was damaged, emptied or deleted gets its books back; reading
positions and settings come back only from the damaged copy (they live in library.db alone).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reader_app.store.db import ThreadConnections
from reader_app.store.errors import READ_ERRORS
from reader_app.store.identity import content_identity_of
from reader_app.store.maintenance import connect_for_salvage, scan_rows

log = logging.getLogger(__name__)

# Tables in the order their foreign keys need (books first).
_SALVAGED_TABLES = ("books", "book_files", "positions", "book_settings", "bookmarks", "history", "settings")


@dataclass
class RebuildReport:
    books_salvaged: int = 0  # rows of books read back from the damaged library
    positions_salvaged: int = 0
    books_from_caches: int = 0  # books listed again from their caches

    def describe(self) -> str:
        parts = []
        if self.books_salvaged:
            parts.append(f"{self.books_salvaged} book(s) and {self.positions_salvaged} reading position(s) read "
                         "back from the damaged file")
        if self.books_from_caches:
            parts.append(f"{self.books_from_caches} book(s) listed again from their audio caches")
        return "; ".join(parts) or "nothing could be recovered"


def salvage_library(conns: ThreadConnections, damaged: Path, report: RebuildReport) -> None:
    """Copy every row the damaged library still reads into the new one (best effort, row by row)."""
    try:
        source = connect_for_salvage(damaged)
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        log.info("nothing to salvage from %s: %s", damaged.name, exc)
        return
    try:
        with conns.write("rebuild the library", setup=True) as db:
            for table in _SALVAGED_TABLES:
                wanted = [r[1] for r in db.conn.execute(f"PRAGMA table_info({table})")]
                try:
                    present = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
                except READ_ERRORS:
                    continue
                columns = tuple(c for c in wanted if c in present)
                if not columns:
                    continue
                sql = (f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) "
                       f"VALUES ({', '.join('?' * len(columns))})")
                count = 0
                for rowid, row in scan_rows(source, table, columns):
                    if row is None and table == "books":
                        partial = book_row_past_damage(source, rowid)  # e.g. its cover's pages are damaged
                        row = tuple(partial.get(c) for c in columns) if partial else None
                    if row is None:
                        continue
                    try:
                        count += db.conn.execute(sql, row).rowcount
                    except sqlite3.IntegrityError:
                        continue  # e.g. a position whose book row was on a damaged page
                if table == "books":
                    report.books_salvaged = count
                elif table == "positions":
                    report.positions_salvaged = count
            db.conn.execute("INSERT OR IGNORE INTO book_files (fingerprint, book_id) SELECT id, id FROM books")
            db.conn.execute("DELETE FROM settings WHERE key = 'library.needs_rebuild'")
    finally:
        source.close()


def adopt_caches(conns: ThreadConnections, books_dir: Path, report: RebuildReport) -> None:
    """List again every book whose cache file is readable but which the library does not know."""
    if not books_dir.is_dir():
        return
    known = {r[0] for r in conns.conn.execute("SELECT id FROM books")}
    rows = []
    for path in sorted(books_dir.glob("*.db")):
        if path.name.startswith(".") or path.stem in known:
            continue
        meta = read_cache_meta(path)
        if meta is None or meta.get("book_id") != path.stem:
            continue
        try:
            added = os.path.getmtime(path)
        except OSError:
            added = 0.0
        rows.append({"id": path.stem, "title": meta.get("title") or path.stem[:12],
                     "authors": meta.get("authors") or "[]", "path": meta.get("path") or "",
                     "format": meta.get("format") or "", "language": meta.get("language") or None,
                     "tts_language": meta.get("tts_language") or "auto",
                     "sentence_count": int(meta.get("sentence_count") or 0),
                     "parser_version": int(meta.get("parser_version") or 0), "content_id": meta.get("content_id"),
                     "added_at": added, "opened_at": None, "file": meta.get("file_fingerprint")})
    if not rows:
        return
    with conns.write("list books again from their caches", setup=True) as db:
        for row in rows:
            fingerprint = row.pop("file")
            db.table("books").insert(row, pk="id", ignore=True)
            db.conn.execute("INSERT OR IGNORE INTO book_files (fingerprint, book_id) VALUES (?, ?)",
                            (row["id"], row["id"]))
            if fingerprint:
                db.conn.execute("INSERT OR IGNORE INTO book_files (fingerprint, book_id) VALUES (?, ?)",
                                (fingerprint, row["id"]))
    report.books_from_caches = len(rows)


def read_cache_meta(path: Path) -> dict[str, str] | None:
    """A cache file's meta table (read-only, past damaged pages), or None when it cannot be read."""
    try:
        conn = connect_for_salvage(path)
    except (sqlite3.Error, UnicodeDecodeError):
        return None
    try:
        meta = {row[0]: row[1] for _r, row in scan_rows(conn, "meta", ("key", "value")) if row is not None}
        if "content_id" not in meta:
            try:
                pairs = conn.execute("SELECT id, text FROM sentences ORDER BY ord").fetchall()
                if pairs:
                    meta["content_id"] = content_identity_of(pairs)
            except READ_ERRORS:
                pass
        if "authors" in meta:
            try:
                json.loads(meta["authors"])
            except ValueError:
                meta["authors"] = "[]"
        return meta
    except (sqlite3.Error, UnicodeDecodeError):
        return None
    finally:
        conn.close()


def book_row_past_damage(conn: sqlite3.Connection, rowid: int) -> dict[str, Any] | None:
    """A books row read whole, else the columns stored before its cover (its cover and the columns after it,
    which share the cover's overflow pages, left at their defaults); None when not even those read."""
    try:
        cursor = conn.execute("SELECT * FROM books WHERE rowid = ?", (rowid,))
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None
    except READ_ERRORS:
        pass
    try:
        row = conn.execute("SELECT id, title, authors, path, format FROM books WHERE rowid = ?", (rowid,)).fetchone()
    except READ_ERRORS:
        return None
    if row is None:
        return None
    return {"id": row[0], "title": row[1], "authors": row[2], "path": row[3], "format": row[4], "cover": None,
            "added_at": 0.0, "opened_at": None, "tts_language": "auto", "sentence_count": 0, "parser_version": 0}
