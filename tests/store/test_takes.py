"""The takes table of a book's cache: numbers reserved in order, one kept, a sentence marked bad queued with its
replacement kept; all of it survives reopening the library, a cache rebuilt from damage, and is read read-only
by the session (kept_takes_at)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader_app.store import Library
from reader_app.store.repair import RepairReport, _rebuild
from reader_app.store.takes import kept_takes_at
from tests.support.books import make_book


def _book():
    return make_book([[["One.", "Two."], ["Three."]]])


def test_reserve_keep_and_mark_bad(tmp_path: Path) -> None:
    book = _book()
    a, b, c = (s.id for s in book.sentences())
    with Library(tmp_path) as lib, lib.open_book_cache(book) as cache:
        takes = cache.takes
        assert takes.get(a).kept == 0 and takes.get(a).made == 1 and takes.kept() == {}
        assert takes.reserve(a, 2) == [1, 2] and takes.reserve(a) == [3]
        assert takes.get(a).kept == 0  # reserving does not change what is kept
        assert takes.keep(a, 2).kept == 2
        with pytest.raises(ValueError, match="no take 4"):
            takes.keep(a, 4)
        marked = takes.mark_bad(b)
        assert (marked.kept, marked.made, marked.marked_bad) == (1, 2, True)
        assert takes.mark_bad(b) == marked  # marked twice: the same pending replacement
        assert takes.marked() == [b] and takes.kept() == {a: 2, b: 1}
        takes.settle(b)
        assert takes.marked() == [] and takes.get(b).kept == 1
        assert takes.keep(b, 0).kept == 0 and takes.kept() == {a: 2}
        assert takes.get(c).made == 1
        path = cache.path
    assert kept_takes_at(path) == {a: 2}
    assert kept_takes_at(tmp_path / "missing.db") == {}
    with Library(tmp_path) as lib, lib.open_book_cache(book) as cache:  # reopened
        assert cache.takes.get(a).kept == 2 and cache.takes.get(a).made == 4


def test_a_rebuilt_cache_keeps_its_takes(tmp_path: Path) -> None:
    book = _book()
    a, b, _c = (s.id for s in book.sentences())
    with Library(tmp_path) as lib, lib.open_book_cache(book) as cache:
        cache.takes.reserve(a, 3)
        cache.takes.keep(a, 3)
        cache.takes.mark_bad(b)
        path, book_id = cache.path, cache.book_id
    report = _rebuild(path, book_id, RepairReport(path))
    assert report.rebuilt
    with Library(tmp_path) as lib, lib.open_book_cache(book) as cache:
        assert cache.takes.get(a).kept == 3 and cache.takes.get(a).made == 4
        assert cache.takes.marked() == [b]
