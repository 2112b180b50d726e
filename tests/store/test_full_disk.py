"""A disk that really fills up (ENOSPC from a small file system, not a file-size limit): the clip that does not
fit fails with the one-line "Disk full" StoreError, everything stored before stays playable, the cache passes
`cache --check`, and once space is back the next clips are stored."""

from __future__ import annotations

import numpy as np

from reader_app.cli.main import build_parser
from reader_app.store import ClipKey, Library, Position, StoreError
from reader_app.store.errors import StoreProblem
from tests.support.audio import noise_clip


def key(n: int) -> ClipKey:
    return ClipKey.build(f"clip {n}", "voice", "model")


def test_full_disk_keeps_what_was_stored_and_resumes(tmp_path, book, small_disk):
    with small_disk(tmp_path / "disk", 2 * 1024 * 1024) as disk:
        filler = disk / "filler"
        filler.write_bytes(b"\0" * 600_000)  # to give back later, as a user freeing space would
        with Library(disk / "data") as lib:
            lib.add_book(book)
            with lib.open_book_cache(book) as cache:
                stored: dict[str, np.ndarray] = {}
                failure = None
                for n in range(400):
                    try:
                        cache.put_clip(key(n), noise_clip(2.0, seed=n), sentence_id=book.sentences()[n % 10].id)
                    except StoreError as exc:
                        failure = exc
                        break
                    stored[key(n).digest] = cache.get_clip(key(n)).samples
                assert failure is not None, "the small disk never filled"
                assert failure.reason is StoreProblem.DISK_FULL
                assert str(failure).startswith("Disk full: could not store audio for 'Test Book'")
                assert len(stored) > 5
                lib.save_position(book.fingerprint, Position(book.sentences()[1].id, 0.0))  # no error: dropped
                for n in range(len(stored)):
                    np.testing.assert_array_equal(cache.get_clip(key(n)).samples, stored[key(n).digest])
                assert cache.integrity_check() == []
            path = lib.cache_path(book.fingerprint)
        args = build_parser().parse_args(["cache", str(path), "--check"])
        assert args.handler(args) == 0
        filler.unlink()  # space is back
        with Library(disk / "data") as lib, lib.open_book_cache(book) as cache:
            next_n = len(stored)
            cache.put_clip(key(next_n), noise_clip(2.0, seed=next_n))
            assert cache.get_clip(key(next_n)) is not None
            assert all(cache.get_clip(key(n)) is not None for n in range(next_n))
            lib.save_position(book.fingerprint, Position(book.sentences()[2].id, 0.0))
            assert lib.position(book.fingerprint) == Position(book.sentences()[2].id, 0.0)


