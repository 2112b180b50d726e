"""A data folder that cannot be written (a read-only mount; no permission): the library opens, lists its books,
plays what is cached, and says once why nothing new is stored; new audio raises StoreError(READ_ONLY)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reader_app.store import BookCache, ClipKey, Library, Position, StoreError
from reader_app.store.errors import StoreProblem
from tests.support.audio import noise_clip
from tests.support.books import make_book

ROOT = Path(__file__).resolve().parents[2]


def key(n: int) -> ClipKey:
    return ClipKey.build(f"clip {n}", "voice", "model")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def prepared(data_dir: Path, book, clips: int = 5) -> dict[str, np.ndarray]:
    with Library(data_dir) as lib:
        lib.add_book(book)
        lib.mark_opened(book.fingerprint)
        lib.save_position(book.fingerprint, Position(book.sentences()[2].id, 0.5))
        with lib.open_book_cache(book) as cache:
            for n in range(clips):
                cache.put_clip(key(n), noise_clip(1.0, seed=n))
            return {key(n).digest: cache.get_clip(key(n)).samples for n in range(clips)}


def test_read_only_folder_plays_what_is_cached(tmp_path, book, read_only):
    data_dir = tmp_path / "data"
    decoded = prepared(data_dir, book)
    before = snapshot(data_dir)
    with read_only(data_dir), Library(data_dir) as lib:
        assert lib.read_only
        notices = lib.take_notices()
        assert [n.reason for n in notices] == [StoreProblem.READ_ONLY]
        assert "read-only" in notices[0].message and "nothing new is stored" in notices[0].message
        assert [r.title for r in lib.list_books()] == ["Test Book"]
        assert lib.last_opened().id == book.fingerprint
        assert lib.position(book.fingerprint) == Position(book.sentences()[2].id, 0.5)
        assert lib.cache_stats(book.fingerprint).clips == 5
        # What the app records on its own goes on without errors (kept for this session only).
        record = lib.add_book(book)
        lib.mark_opened(record.id)
        lib.save_position(record.id, Position(book.sentences()[4].id, 0.0))
        lib.set_book_setting(record.id, "voice_name", "Ben")
        with lib.open_book_cache(book) as cache:
            assert cache.read_only
            for digest, samples in decoded.items():
                got = cache.get_clip(next(key(n) for n in range(5) if key(n).digest == digest))
                np.testing.assert_array_equal(got.samples, samples)
            assert cache.cached_digests([key(n) for n in range(6)]) == set(decoded)
            with pytest.raises(StoreError) as caught:
                cache.put_clip(key(9), noise_clip(0.5))
            assert caught.value.reason is StoreProblem.READ_ONLY
            assert "read-only" in str(caught.value)
        assert lib.take_notices() == []  # said once
    assert snapshot(data_dir) == before  # nothing was written


def test_read_only_folder_without_a_library_yet(tmp_path, read_only):
    data_dir = tmp_path / "empty"
    data_dir.mkdir()
    with read_only(data_dir), Library(data_dir) as lib:
        assert lib.read_only and lib.list_books() == []
        book = make_book()
        lib.add_book(book)  # in memory only
        with lib.open_book_cache(book) as cache:
            assert cache.get_clip(key(0)) is None
            with pytest.raises(StoreError) as caught:
                cache.put_clip(key(0), noise_clip(0.2))
            assert caught.value.reason is StoreProblem.READ_ONLY
    assert list(data_dir.iterdir()) == []


def test_read_only_after_a_crash_reads_the_write_ahead_log(tmp_path, book, read_only):
    """Made read-only with a -wal still beside the cache (the writer was killed first): its clips are read."""
    data_dir = tmp_path / "data"
    prepared(data_dir, book, clips=1)
    path = Library.cache_path_for(book.fingerprint, data_dir)
    script = ("import os, sys; from reader_app.store import BookCache, ClipKey; from tests.support.audio import "
              "noise_clip; c = BookCache(sys.argv[1]); c.put_clip(ClipKey.build('clip 7', 'voice', 'model'), "
              "noise_clip(0.5, seed=7)); os._exit(0)")
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert Path(f"{path}-wal").stat().st_size > 0  # committed into the -wal, never checkpointed
    with read_only(data_dir):
        with BookCache(path) as reader:
            assert reader.read_only and reader.get_clip(key(7)) is not None


def test_folder_turning_read_only_while_open(tmp_path, book, read_only):
    """Remounted read-only under a running app. Files already open keep their writable descriptors (Linux lets
    those write on), so what changes is new files: a book first opened now gets a read-only, empty cache
    (put_clip raises StoreError(READ_ONLY)), and the book already open goes on playing."""
    data_dir = tmp_path / "data"
    prepared(data_dir, book, clips=2)
    newcomer = make_book(title="New", seed="new")
    with Library(data_dir) as lib, lib.open_book_cache(book) as cache:
        with read_only(data_dir):
            lib.add_book(newcomer)
            with lib.open_book_cache(newcomer) as fresh:
                assert fresh.read_only and fresh.get_clip(key(0)) is None
                with pytest.raises(StoreError) as caught:
                    fresh.put_clip(key(8), noise_clip(0.5))
                assert caught.value.reason is StoreProblem.READ_ONLY
            assert cache.get_clip(key(0)) is not None
        assert not Library.cache_path_for(newcomer.fingerprint, data_dir).exists()
