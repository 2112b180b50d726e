"""Bookmarks and the history of recent positions (library schema v5), and the migration from v4 that adds them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from reader_app.store import Library, Position
from reader_app.store.bookmarks import HISTORY_KEEP, NOTE_MAX_CHARS, clean_note, resolve_index
from reader_app.store.schema import LIBRARY_STEPS

OLD_ID = "e" * 64


def make_v4_library(data_dir: Path) -> None:
    """A library as the app before bookmarks wrote it: a book with a position, a setting, a file fingerprint."""
    data_dir.mkdir(parents=True)
    db = sqlite_utils.Database(data_dir / "library.db")
    for step in LIBRARY_STEPS[:4]:
        step(db)
    db.conn.execute("PRAGMA user_version=4")
    db["books"].insert({"id": OLD_ID, "title": "Kept", "authors": json.dumps(["Someone"]), "path": "/b/kept.epub",
                        "format": "epub", "added_at": 10.0, "opened_at": 20.0, "tts_language": "auto",
                        "sentence_count": 40, "parser_version": 3, "content_id": "c" * 64})
    db["book_files"].insert({"fingerprint": "d" * 64, "book_id": OLD_ID})
    db["book_files"].insert({"fingerprint": OLD_ID, "book_id": OLD_ID})
    db["positions"].insert({"book_id": OLD_ID, "sentence_id": "c1s4", "offset_s": 0.5, "updated_at": 20.0})
    db["book_settings"].insert({"book_id": OLD_ID, "key": "voice", "value": json.dumps("Anna")})
    db.conn.commit()
    db.close()


def test_a_v4_library_opens_with_its_data_and_takes_bookmarks(tmp_path):
    make_v4_library(tmp_path / "data")
    with Library(tmp_path / "data") as lib:
        assert lib._conns.conn.execute("PRAGMA user_version").fetchone()[0] == len(LIBRARY_STEPS) == 5
        record = lib.get_book(OLD_ID)
        assert record is not None and record.title == "Kept" and record.sentence_count == 40
        assert lib.position(OLD_ID) == Position("c1s4", 0.5)
        assert lib.book_setting(OLD_ID, "voice") == "Anna"
        assert lib.book_id_for("d" * 64) == OLD_ID
        assert lib.bookmarks.list_for(OLD_ID) == [] and lib.bookmarks.history(OLD_ID) == []
        mark = lib.bookmarks.add("d" * 64, 7, "c1s2", "the other fingerprint finds the book")
        assert mark.book_id == OLD_ID
    with Library(tmp_path / "data") as lib:  # reopened: kept, nothing migrated twice
        assert [m.note for m in lib.bookmarks.list_for(OLD_ID)] == ["the other fingerprint finds the book"]
        assert lib.position(OLD_ID) == Position("c1s4", 0.5)


def test_bookmarks_round_trip_in_reading_order(library, book):
    record = library.add_book(book)
    marks = library.bookmarks
    late = marks.add(record.id, 8, "c1s3", "  later\x00 one \n")
    early = marks.add(record.id, 2, "c0s2")
    listed = marks.list_for(record.id)
    assert [m.sentence_index for m in listed] == [2, 8]
    assert listed[0] == early and listed[1].note == "later one" and listed[1].created_at == late.created_at
    marks.set_note(early.id, "changed")
    marks.delete(late.id)
    assert [(m.sentence_index, m.note) for m in marks.list_for(record.id)] == [(2, "changed")]
    with pytest.raises(ValueError):
        marks.add(record.id, -1)


def test_history_keeps_the_newest_fifty_and_folds_repeats(library, book):
    record = library.add_book(book)
    marks = library.bookmarks
    for i in range(HISTORY_KEEP + 10):
        marks.record(record.id, i, f"s{i}", at=1000.0 + i)
    entries = marks.history(record.id)
    assert len(entries) == HISTORY_KEEP
    assert entries[0].sentence_index == HISTORY_KEEP + 9 and entries[-1].sentence_index == 10
    marks.record(record.id, HISTORY_KEEP + 9, at=5000.0)  # the same place again: one entry, newer time
    again = marks.history(record.id)
    assert len(again) == HISTORY_KEEP and again[0].at == 5000.0
    marks.forget(again[0].id)
    assert marks.history(record.id)[0].sentence_index == HISTORY_KEEP + 8
    marks.clear_history(record.id)
    assert marks.history(record.id) == []


def test_removing_a_book_removes_its_bookmarks_and_history(library, book):
    record = library.add_book(book)
    library.bookmarks.add(record.id, 1)
    library.bookmarks.record(record.id, 3)
    library.remove_book(record.id)
    rows = library._conns.conn.execute("SELECT (SELECT count(*) FROM bookmarks), (SELECT count(*) FROM history)")
    assert rows.fetchone() == (0, 0)


def test_in_a_read_only_folder_they_last_the_session_and_nothing_is_written(tmp_path, book, read_only):
    with Library(tmp_path / "data") as lib:
        record = lib.add_book(book)
        lib.bookmarks.add(record.id, 4, note="before")
        lib._conns.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = (tmp_path / "data" / "library.db").read_bytes()
    with read_only(tmp_path / "data"), Library(tmp_path / "data") as lib:
        assert lib.read_only
        assert [m.note for m in lib.bookmarks.list_for(record.id)] == ["before"]
        lib.bookmarks.record(record.id, 2)  # the library lives in memory for this session
        lib.bookmarks.add(record.id, 5)
        assert [h.sentence_index for h in lib.bookmarks.history(record.id)] == [2]
    assert (tmp_path / "data" / "library.db").read_bytes() == before


def test_a_damaged_library_keeps_its_bookmarks_when_rebuilt(tmp_path, book):
    with Library(tmp_path / "data") as lib:
        record = lib.add_book(book)
        lib.save_position(record.id, Position("c0s1"))
        lib.bookmarks.add(record.id, 6, "c1s1", "salvaged")
        lib.bookmarks.record(record.id, 3, "c0s3")
        lib._conns.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path / "data" / "library.db"
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'positions'").fetchone()[0]
    conn.close()
    with open(path, "r+b") as f:  # the positions table's page: damaged, the rest reads
        f.seek((root - 1) * 4096)
        f.write(b"\x0d" + b"\xff" * 4095)
    with Library(tmp_path / "data") as lib:
        assert any("rebuilt" in n.message for n in lib.take_notices())
        assert [(m.sentence_index, m.note) for m in lib.bookmarks.list_for(record.id)] == [(6, "salvaged")]
        assert [h.sentence_index for h in lib.bookmarks.history(record.id)] == [3]


def test_notes_are_cleaned_and_indices_resolved():
    assert clean_note("a\tb\x1b[31m\nc ") == "ab[31m\nc"
    assert len(clean_note("x" * (NOTE_MAX_CHARS + 5))) == NOTE_MAX_CHARS
    ids = ["a", "b", "c", "d"]
    assert resolve_index(2, "c", ids) == 2
    assert resolve_index(0, "c", ids) == 2  # shifted by a re-parse: found by id
    assert resolve_index(9, "gone", ids) == 3 and resolve_index(1, None, ids) == 1
    assert resolve_index(3, "x", []) == 0
