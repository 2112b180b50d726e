from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reader_app.store import Library, Position, StoreError
from tests.support.books import make_book


def test_add_and_get_book(library: Library, book):
    record = library.add_book(book)
    assert record.id == book.fingerprint
    assert record.title == "Test Book" and record.authors == ("A. Writer",)
    assert record.format == "txt" and record.language == "en" and record.tts_language == "English"
    assert record.cover == b"\x89PNGfake" and record.cover_media_type == "image/png"
    assert record.sentence_count == 10 and record.parser_version == 1
    assert record.opened_at is None and record.added_at > 0
    assert library.get_book(book.fingerprint) == record
    assert library.get_book("nope") is None


def test_re_adding_updates_path_and_keeps_position(library: Library, book):
    first = library.add_book(book)
    library.save_position(book.fingerprint, Position("c0s3", 0.25))
    moved = dataclasses.replace(book, path=Path("/elsewhere/renamed.txt"))
    second = library.add_book(moved)
    assert second.path == Path("/elsewhere/renamed.txt")
    assert second.added_at == first.added_at
    assert library.position(book.fingerprint) == Position("c0s3", 0.25)
    assert len(library.list_books()) == 1


def test_list_books_most_recently_opened_first(library: Library):
    a, b, c = (make_book(title=t, seed=t) for t in "abc")
    for bk in (a, b, c):
        library.add_book(bk)
    library.mark_opened(a.fingerprint)
    library.mark_opened(c.fingerprint)
    assert [r.title for r in library.list_books()] == ["c", "a", "b"]
    assert library.last_opened().title == "c"
    library.mark_opened(a.fingerprint)
    assert library.last_opened().title == "a"


def test_last_opened_none_when_nothing_opened(library: Library, book):
    library.add_book(book)
    assert library.last_opened() is None


def test_position_round_trip_is_exact(library: Library, book):
    library.add_book(book)
    assert library.position(book.fingerprint) is None
    library.save_position(book.fingerprint, Position("c1s4", 3.1415926535))
    library.save_position(book.fingerprint, Position("c1s2", 1.0000001))
    assert library.position(book.fingerprint) == Position("c1s2", 1.0000001)


def test_position_survives_reopen(tmp_path: Path, book):
    with Library(tmp_path) as lib:
        lib.add_book(book)
        lib.save_position(book.fingerprint, Position("c1s1", 2.5))
        lib.mark_opened(book.fingerprint)
    with Library(tmp_path) as lib:
        assert lib.last_opened().id == book.fingerprint
        assert lib.position(book.fingerprint) == Position("c1s1", 2.5)


def test_book_settings_are_json(library: Library, book):
    library.add_book(book)
    assert library.book_setting(book.fingerprint, "voice", "default") == "default"
    library.set_book_setting(book.fingerprint, "voice", {"name": "Anna", "instruct": "calm"})
    library.set_book_setting(book.fingerprint, "speed", 1.25)
    assert library.book_setting(book.fingerprint, "voice") == {"name": "Anna", "instruct": "calm"}
    assert library.book_setting(book.fingerprint, "speed") == 1.25
    library.set_book_setting(book.fingerprint, "speed", None)
    assert library.book_setting(book.fingerprint, "speed", 1.0) is None


def test_remove_book_deletes_everything(library: Library, book, tmp_path):
    library.add_book(book)
    library.save_position(book.fingerprint, Position("c0s0"))
    library.set_book_setting(book.fingerprint, "voice", "x")
    library.open_book_cache(book).close()
    assert library.cache_path(book.fingerprint).exists()
    library.remove_book(book.fingerprint)
    assert library.get_book(book.fingerprint) is None
    assert library.position(book.fingerprint) is None
    assert library.book_setting(book.fingerprint, "voice") is None
    assert not library.cache_path(book.fingerprint).exists()


def test_remove_book_can_keep_audio(library: Library, book):
    library.add_book(book)
    library.open_book_cache(book).close()
    library.remove_book(book.fingerprint, delete_audio=False)
    assert library.cache_path(book.fingerprint).exists()


def test_default_location_is_platformdirs(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    with Library() as lib:
        assert lib.path == tmp_path / "xdg" / "reader-app" / "library.db"
        assert lib.books_dir == tmp_path / "xdg" / "reader-app" / "books"


def test_use_after_close_is_a_store_error(tmp_path):
    lib = Library(tmp_path)
    lib.close()
    with pytest.raises(StoreError, match="closed"):
        lib.list_books()


def test_not_a_database_gives_clear_notice(tmp_path):
    """Issue 17: it used to raise; a damaged library is now set aside and rebuilt, with one clear notice."""
    (tmp_path / "library.db").write_bytes(b"this is not sqlite" * 100)
    with Library(tmp_path) as lib:
        [notice] = lib.take_notices()
        assert "was damaged" in notice.message and "library.db.damaged" in notice.message
    assert (tmp_path / "library.db.damaged").read_bytes() == b"this is not sqlite" * 100


def test_position_of_unknown_book_is_a_clear_error(library: Library):
    with pytest.raises(StoreError, match="not in the library"):
        library.save_position("0" * 64, Position("x"))
    with pytest.raises(StoreError, match="not in the library"):
        library.set_book_setting("0" * 64, "voice", "x")
