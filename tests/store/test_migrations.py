"""A library written by the first release (schema v1) opens in this one with its data intact."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from reader_app.store import Library, Position, StoreError
from reader_app.store.book_cache import BookCache
from reader_app.store.schema import CACHE_STEPS, LIBRARY_STEPS


def make_v1_library(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    db = sqlite_utils.Database(data_dir / "library.db")
    LIBRARY_STEPS[0](db)
    db.conn.execute("PRAGMA user_version=1")
    db["books"].insert({"id": "f" * 64, "title": "Old Book", "authors": json.dumps(["Old Author"]),
                        "path": "/old/book.epub", "format": "epub", "cover": b"jpeg", "added_at": 100.0,
                        "opened_at": 200.0})
    db["positions"].insert({"book_id": "f" * 64, "sentence_id": "p3s7", "offset_s": 1.75, "updated_at": 200.0})
    db.conn.commit()
    db.close()


def test_v1_library_migrates_to_current_keeping_data(tmp_path):
    make_v1_library(tmp_path / "data")
    with Library(tmp_path / "data") as lib:
        version = lib._conns.conn.execute("PRAGMA user_version").fetchone()[0]
        assert version == len(LIBRARY_STEPS) >= 2
        record = lib.get_book("f" * 64)
        assert record.title == "Old Book" and record.authors == ("Old Author",) and record.cover == b"jpeg"
        assert record.added_at == 100.0 and record.opened_at == 200.0
        assert record.tts_language == "auto" and record.sentence_count == 0 and record.language is None
        assert lib.position("f" * 64) == Position("p3s7", 1.75)
        assert lib.last_opened().id == "f" * 64
        # What v2 added works on the migrated file.
        lib.set_book_setting("f" * 64, "voice", "Anna")
        assert lib.book_setting("f" * 64, "voice") == "Anna"
        assert "voices" not in lib._conns.db.table_names()  # v3 dropped the unused voice index
    with Library(tmp_path / "data") as lib:  # reopening migrates nothing twice
        assert lib.book_setting("f" * 64, "voice") == "Anna"


def test_migrated_schema_matches_fresh_schema(tmp_path):
    make_v1_library(tmp_path / "old")
    Library(tmp_path / "old").close()
    Library(tmp_path / "new").close()

    def columns(path: Path) -> dict[str, list[str]]:
        db = sqlite_utils.Database(path)
        out = {t.name: sorted(c.name for c in t.columns) for t in db.tables}
        db.close()
        return out

    assert columns(tmp_path / "old" / "library.db") == columns(tmp_path / "new" / "library.db")


def test_newer_library_is_refused(tmp_path):
    Library(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "library.db")
    conn.execute(f"PRAGMA user_version={len(LIBRARY_STEPS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer reader-app"):
        Library(tmp_path)


def test_newer_cache_is_refused(tmp_path):
    BookCache(tmp_path / "x.db", book_id="x").close()
    conn = sqlite3.connect(tmp_path / "x.db")
    conn.execute(f"PRAGMA user_version={len(CACHE_STEPS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer reader-app"):
        BookCache(tmp_path / "x.db")


def test_files_are_in_wal_mode(library, book):
    cache = library.open_book_cache(book)
    assert library._conns.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert cache._conns.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert cache._conns.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
    cache.close()
