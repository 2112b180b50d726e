"""A book's cache moves to another machine as one file."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from reader_app.store import ClipKey, Library, StoreError
from tests.support.audio import noise_clip


def test_round_trip_to_a_fresh_library(tmp_path, book):
    home = Library(tmp_path / "home")
    keys = [ClipKey.build(s.text, "v", "m") for s in book.sentences()[:5]]
    with home.open_book_cache(book) as cache:
        for i, k in enumerate(keys):
            cache.put_clip(k, noise_clip(1.0, seed=i))
        originals = [cache.get_clip(k).samples for k in keys]
        cache.export_to(tmp_path / "usb" / "book.readercache.db")
    exported = tmp_path / "usb" / "book.readercache.db"
    assert exported.exists() and not (tmp_path / "usb" / "book.readercache.db-wal").exists()

    away = Library(tmp_path / "away")
    assert away.import_cache(exported) == book.fingerprint
    stats = away.cache_stats(book.fingerprint)
    assert stats.clips == 5 and stats.sentences == 10
    with away.open_book_cache(book) as cache:
        assert cache.integrity_check() == []
        for k, original in zip(keys, originals, strict=True):
            np.testing.assert_array_equal(cache.get_clip(k).samples, original)
    home.close()
    away.close()


def test_import_merges_into_existing_cache(tmp_path, book):
    a, b = Library(tmp_path / "a"), Library(tmp_path / "b")
    with a.open_book_cache(book) as cache:
        cache.put_clip(ClipKey.build("one", "v", "m"), noise_clip(0.5, seed=1), sentence_id="c0s0")
        cache.put_clip(ClipKey.build("shared", "v", "m"), noise_clip(0.5, seed=2))
    a.export_cache(book.fingerprint, tmp_path / "a.db")
    with b.open_book_cache(book) as cache:
        cache.put_clip(ClipKey.build("two", "v", "m"), noise_clip(0.5, seed=3))
        cache.put_clip(ClipKey.build("shared", "v", "m"), noise_clip(0.5, seed=2))
    b.import_cache(tmp_path / "a.db")
    with b.open_book_cache(book) as cache:
        assert cache.stats().clips == 3
        assert cache.has_clip(ClipKey.build("one", "v", "m"))
        assert cache.integrity_check() == []
    a.close()
    b.close()


def test_export_while_generation_writes(tmp_path, book):
    lib = Library(tmp_path / "lib")
    with lib.open_book_cache(book) as writer:
        writer.put_clip(ClipKey.build("x", "v", "m"), noise_clip(0.5))
        lib.export_cache(book.fingerprint, tmp_path / "snap.db")  # second connection, consistent snapshot
        writer.put_clip(ClipKey.build("y", "v", "m"), noise_clip(0.5))
    other = Library(tmp_path / "other")
    other.import_cache(tmp_path / "snap.db")
    assert other.cache_stats(book.fingerprint).clips == 1
    lib.close()
    other.close()


def test_import_refuses_what_is_not_a_cache(tmp_path):
    lib = Library(tmp_path / "lib")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"nope" * 1000)
    with pytest.raises(StoreError):
        lib.import_cache(junk)
    plain = tmp_path / "plain.db"
    conn = sqlite3.connect(plain)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(StoreError, match="not a reader-app book cache"):
        lib.import_cache(plain)
    with pytest.raises(StoreError, match="No such cache file"):
        lib.import_cache(tmp_path / "missing.db")
    with pytest.raises(StoreError, match="No audio cache"):
        lib.export_cache("0" * 64, tmp_path / "out.db")
    assert lib.cached_book_ids() == []
    lib.close()


def test_import_refuses_damaged_cache(tmp_path, book):
    lib = Library(tmp_path / "lib")
    with lib.open_book_cache(book) as cache:
        cache.put_clip(ClipKey.build("x", "v", "m"), noise_clip(0.5))
        cache.export_to(tmp_path / "bad.db")
    conn = sqlite3.connect(tmp_path / "bad.db")
    conn.execute("UPDATE clips SET crc32 = crc32 + 1")
    conn.commit()
    conn.close()
    other = Library(tmp_path / "other")
    with pytest.raises(StoreError, match="damaged"):
        other.import_cache(tmp_path / "bad.db")
    assert other.cached_book_ids() == []
    lib.close()
    other.close()
