"""Generation writes while the player reads: no "database is locked", no torn clips."""

from __future__ import annotations

import random
import threading
import time

from reader_app.store import ClipKey, Library, Position
from tests.support.audio import noise_clip
from tests.support.books import make_book

N_CLIPS = 120


def test_writer_and_readers_at_once(tmp_path):
    lib = Library(tmp_path)
    book = make_book(n_chapters=3, per_chapter=50)
    lib.add_book(book)
    cache = lib.open_book_cache(book)
    keys = [ClipKey.build(f"sentence {i}", "v", "m") for i in range(N_CLIPS)]
    lengths = {k.digest: 2400 + 37 * i for i, k in enumerate(keys)}
    errors: list[BaseException] = []
    done = threading.Event()
    reads = [0]

    def guard(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
        return run

    @guard
    def writer():
        for i, k in enumerate(keys):
            clip = noise_clip(lengths[k.digest] / 24_000, seed=i)
            cache.put_clip(k, clip, sentence_id=book.sentences()[i].id)
        done.set()

    @guard
    def reader():
        rng = random.Random(threading.get_ident())
        while not done.is_set():
            k = rng.choice(keys)
            clip = cache.get_clip(k)
            if clip is not None:
                assert len(clip.samples) == lengths[k.digest]
                reads[0] += 1
            cache.cached_digests(keys[:50])

    @guard
    def position_saver():
        ids = [s.id for s in book.sentences()]
        i = 0
        while not done.is_set():
            lib.save_position(book.fingerprint, Position(ids[i % len(ids)], 0.5))
            assert lib.position(book.fingerprint) is not None
            cache.stats()
            i += 1
            time.sleep(0.001)

    threads = [threading.Thread(target=f) for f in (writer, reader, reader, reader, position_saver)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert reads[0] > 0
    assert cache.stats().clips == N_CLIPS
    assert cache.integrity_check() == []
    cache.close()
    lib.close()


def test_two_processes_worth_of_connections(tmp_path):
    """A second BookCache on the same file (e.g. the CLI while the app runs) reads and writes alongside."""
    lib = Library(tmp_path)
    book = make_book()
    first = lib.open_book_cache(book)
    second = lib.open_book_cache(book)
    first.put_clip(ClipKey.build("a", "v", "m"), noise_clip(0.2))
    assert second.has_clip(ClipKey.build("a", "v", "m"))
    second.put_clip(ClipKey.build("b", "v", "m"), noise_clip(0.2))
    assert first.stats().clips == 2
    first.close()
    second.close()
    lib.close()


def test_connections_of_finished_threads_are_closed(tmp_path):
    lib = Library(tmp_path)
    book = make_book()
    cache = lib.open_book_cache(book)
    cache.put_clip(ClipKey.build("a", "v", "m"), noise_clip(0.2))
    for _ in range(20):  # e.g. a thread pool that replaces its workers
        t = threading.Thread(target=lambda: cache.get_clip(ClipKey.build("a", "v", "m")))
        t.start()
        t.join()
    cache.get_clip(ClipKey.build("a", "v", "m"))
    last = threading.Thread(target=cache.stats)
    last.start()
    last.join()
    assert cache._conns.open_connections() <= 3
    cache.close()
    lib.close()


def test_two_writer_processes_on_one_fresh_cache(tmp_path):
    """Two pregenerations start together on a book never opened before (both create and migrate the files),
    then write clips and positions as fast as they can while this process reads: no "database is locked", and
    each sees the other's clips at once (`has_clip` before a sentence is a cheap way to skip work)."""
    from tests.support import crash_child
    from tests.support.crash_child import Child

    data_dir = tmp_path / "data"
    children = [Child(data_dir, "crash", start) for start in (0, 100_000)]
    for child in children:
        child.wait_for_clips(15)
    with Library(data_dir) as lib, lib.open_book_cache(crash_child.BOOK) as cache:
        for _ in range(20):
            assert cache.stats().clips > 0
            seen = dict(children[1].clips)
            assert all(cache.has_clip(crash_child.key(n)) for n in seen)  # the other process's commits
        assert all(child.proc.poll() is None for child in children), [c.proc.stderr.read() for c in children]
    reported = [child.kill() for child in children]
    with Library(data_dir) as lib, lib.open_book_cache(crash_child.BOOK) as cache:
        assert cache.integrity_check() == []
        for clips in reported:
            for n in clips:
                got = cache.get_clip(crash_child.key(n))
                assert got is not None and len(got.samples) == crash_child.length(n)
        assert lib.take_notices() == []


def test_probing_a_cache_another_process_writes_is_not_damage(tmp_path):
    """The opening probe counts each table and its indexes: in one snapshot, so a commit between two counts (a
    pregeneration writing while the window opens the book) is not taken for a damaged index."""
    from reader_app.store import BookCache
    from tests.support import crash_child
    from tests.support.crash_child import Child

    data_dir = tmp_path / "data"
    child = Child(data_dir, "crash")
    child.wait_for_clips(3)
    with BookCache(Library.cache_path_for(crash_child.BOOK.fingerprint, data_dir)) as cache:
        for _ in range(150):
            cache.probe()
        assert cache.notices == []
    child.kill()
