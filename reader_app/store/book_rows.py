"""Book records and their rows in library.db: a Book as a row of the books table, a row read back as a
BookRecord (also past damaged covers), and the order the library lists them in."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from reader_app import paths
from reader_app.books.model import Book
from reader_app.store.library_rebuild import book_row_past_damage
from reader_app.store.records import BookRecord


def book_row(book: Book, content_id: str) -> dict[str, Any]:
    """The columns of the books table a (re-)added book sets: metadata, path, sentence count, identity."""
    meta = book.metadata
    return {"title": meta.title, "authors": json.dumps(list(meta.authors)),
            "path": paths.path_to_text(Path(book.path).resolve()), "format": book.format, "cover": meta.cover_image,
            "cover_media_type": meta.cover_media_type, "language": meta.language,
            "tts_language": book.tts_language, "sentence_count": book.sentence_count(),
            "parser_version": book.parser_version, "content_id": content_id}


def book_record(row: dict[str, Any]) -> BookRecord:
    return BookRecord(
        id=row["id"], title=row["title"], authors=tuple(json_or(row["authors"] or "[]", [])),
        path=paths.path_from_text(row["path"]),
        format=row["format"] or "", language=row.get("language"), tts_language=row.get("tts_language") or "auto",
        cover=row.get("cover"), cover_media_type=row.get("cover_media_type"),
        sentence_count=row.get("sentence_count") or 0, parser_version=row.get("parser_version") or 0,
        added_at=row["added_at"], opened_at=row["opened_at"])


def unsaved_record(book_id: str, row: dict[str, Any]) -> BookRecord:
    """The record of a book the library could not store (full disk, read-only folder): for this session."""
    return book_record({**row, "id": book_id, "added_at": time.time(), "opened_at": None})


def records_past_damage(conn: sqlite3.Connection, where: str, params: list[Any]) -> list[BookRecord]:
    """The records of the books a query selects, each row read without what its damaged overflow pages held
    (the cover, the added and opened times)."""
    records: list[BookRecord] = []
    for (rowid,) in conn.execute(f"SELECT rowid FROM books {where}", params).fetchall():
        records.extend(book_record(row) for row in [book_row_past_damage(conn, rowid)] if row)
    return records


def recency(record: BookRecord) -> tuple[bool, float, float]:
    """The listing order: most recently opened first; never-opened books last, newest added first."""
    return record.opened_at is None, -(record.opened_at or 0.0), -record.added_at


def json_or(text: str, default: Any) -> Any:
    """A stored JSON value, or `default` when it does not parse."""
    try:
        return json.loads(text)
    except ValueError:
        return default
