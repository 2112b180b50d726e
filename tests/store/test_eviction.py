"""Cache limits: least recently used clips go first, never those around the reading position."""

from __future__ import annotations

from reader_app.store import CacheLimits, ClipKey, Library, Position
from reader_app.store.eviction import Candidate, choose
from tests.support.audio import noise_clip
from tests.support.books import make_book


def fill(cache, book, voice="v", seconds=1.0):
    """One clip per sentence, oldest use first in reading order; returns {sentence id: key}."""
    keys = {}
    for i, s in enumerate(book.sentences()):
        k = ClipKey.build(s.text, voice, "m")
        cache.put_clip(k, noise_clip(seconds, seed=i), sentence_id=s.id)
        keys[s.id] = k
    conn = cache._conns.conn
    for i, k in enumerate(keys.values()):
        conn.execute("UPDATE clips SET last_used_at = ? WHERE digest = ?", (1000.0 + i, k.digest))
    conn.commit()
    return keys


def test_choose_takes_oldest_until_under_headroom():
    a = [Candidate(1.0, 100, "a1", "A"), Candidate(5.0, 100, "a2", "A")]
    b = [Candidate(2.0, 100, "b1", "B"), Candidate(3.0, 100, "b2", "B")]
    assert choose([a, b], 400, 1000) == []
    picked = choose([a, b], 400, 300)  # target 285: drop two
    assert [c.digest for c in picked] == ["a1", "b1"]


def test_per_book_limit_evicts_lru_but_not_the_reading_window(tmp_path):
    lib = Library(tmp_path)
    lib.protect_window = (5, 50)
    book = make_book(n_chapters=2, per_chapter=100)  # 200 sentences
    lib.add_book(book)
    lib.set_cache_limits(CacheLimits(per_book_bytes=None, total_bytes=None))
    cache = lib.open_book_cache(book)
    keys = fill(cache, book, seconds=0.3)
    # Reader sits at sentence 150: window is 145..200 (5 behind, 50 ahead, clipped to the book).
    ids = [s.id for s in book.sentences()]
    lib.save_position(book.fingerprint, Position(ids[150], 0.1))
    # Make the window the least recently used, to prove protection beats recency.
    conn = cache._conns.conn
    for sid in ids[145:]:
        conn.execute("UPDATE clips SET last_used_at = 1.0 WHERE digest = ?", (keys[sid].digest,))
    conn.commit()
    total = cache.audio_bytes()
    cache.max_bytes = total // 2
    cache.put_clip(ClipKey.build("one more", "v", "m"), noise_clip(0.3))  # over the limit -> evicts
    assert cache.audio_bytes() <= total // 2
    cached = cache.cached_digests(keys.values())
    assert all(keys[sid].digest in cached for sid in ids[145:])  # the window survived
    assert keys[ids[0]].digest not in cached  # the oldest went first
    gone = [i for i, sid in enumerate(ids[:145]) if keys[sid].digest not in cached]
    assert gone == list(range(len(gone)))  # strictly in LRU order
    cache.close()
    lib.close()


def test_recently_played_clip_survives(tmp_path):
    lib = Library(tmp_path)
    book = make_book(n_chapters=1, per_chapter=30)
    cache = lib.open_book_cache(book)
    keys = fill(cache, book, seconds=0.3)
    first = keys["c0s0"]
    cache.get_clip(first)  # played just now: most recent
    freed = cache.evict(cache.audio_bytes() // 2)
    assert freed > 0
    assert cache.has_clip(first)
    assert not cache.has_clip(keys["c0s1"])
    cache.close()
    lib.close()


def test_window_protects_clips_found_by_text_or_link(tmp_path):
    lib = Library(tmp_path)
    book = make_book(n_chapters=1, per_chapter=50)
    cache = lib.open_book_cache(book)
    s10 = book.sentences()[10]
    by_text = ClipKey.build(s10.text, "other-voice", "m")  # same text, no link
    by_link = ClipKey.build("rewritten: " + s10.text, "v", "m")  # preprocessed text, linked
    cache.put_clip(by_text, noise_clip(0.2))
    cache.put_clip(by_link, noise_clip(0.2), sentence_id=s10.id)
    cache.put_clip(ClipKey.build("far away", "v", "m"), noise_clip(0.2))
    protected = cache.protected_digests(Position(s10.id))
    assert protected == {by_text.digest, by_link.digest}
    assert cache.protected_digests(Position("no-such-sentence")) == set()
    cache.evict(0, Position(s10.id))
    assert cache.stats().clips == 2
    cache.close()
    lib.close()


def test_total_limit_across_books_spares_each_reading_window(tmp_path):
    lib = Library(tmp_path)
    lib.protect_window = (2, 20)
    lib.set_cache_limits(CacheLimits(per_book_bytes=None, total_bytes=None))
    books = [make_book(n_chapters=1, per_chapter=100, title=t, seed=t) for t in ("old", "new")]
    all_keys = []
    for n, book in enumerate(books):
        lib.add_book(book)
        cache = lib.open_book_cache(book)
        keys = fill(cache, book, voice=f"v{n}", seconds=0.2)
        conn = cache._conns.conn
        conn.execute("UPDATE clips SET last_used_at = last_used_at + ?", (n * 10_000,))  # "old" used earlier
        conn.commit()
        cache.close()
        all_keys.append(keys)
        lib.save_position(book.fingerprint, Position(book.sentences()[0].id))
    sizes = [lib.cache_stats(b.fingerprint).audio_bytes for b in books]
    lib.set_cache_limits(CacheLimits(per_book_bytes=None, total_bytes=int(sum(sizes) * 0.75)))
    freed = lib.enforce_cache_limits()
    after = [lib.cache_stats(b.fingerprint).audio_bytes for b in books]
    assert freed > 0 and sum(after) <= sum(sizes) * 0.75
    assert after[1] == sizes[1]  # the recently used book kept everything
    with lib.open_book_cache(books[0]) as cache:
        ids = [s.id for s in books[0].sentences()]
        cached = cache.cached_digests(all_keys[0].values())
        assert all(all_keys[0][sid].digest in cached for sid in ids[:21])  # its window is intact
        assert not all(all_keys[0][sid].digest in cached for sid in ids[21:])
    lib.close()


def test_total_limit_is_checked_while_generating(tmp_path):
    lib = Library(tmp_path)
    book = make_book(n_chapters=1, per_chapter=300)
    lib.set_cache_limits(CacheLimits(per_book_bytes=None, total_bytes=60_000))
    with lib.open_book_cache(book) as cache:
        for i in range(40):  # no position saved: nothing protected
            cache.put_clip(ClipKey.build(f"s{i}", "v", "m"), noise_clip(0.3, seed=i))
        assert cache.audio_bytes() <= 60_000 * 1.1
    lib.close()


def test_clear_book_audio_via_library(tmp_path):
    lib = Library(tmp_path)
    book = make_book()
    with lib.open_book_cache(book) as cache:
        fill(cache, book)
    before = lib.cache_stats(book.fingerprint)
    assert lib.clear_book_audio(book.fingerprint) == before.audio_bytes
    assert lib.cache_stats(book.fingerprint).clips == 0
    assert lib.clear_book_audio("0" * 64) == 0
    assert lib.total_cache_bytes() > 0
    lib.close()


def test_everything_protected_keeps_the_clips_and_does_not_rescan_every_put(tmp_path, monkeypatch):
    lib = Library(tmp_path)
    book = make_book(n_chapters=1, per_chapter=30)
    lib.add_book(book)
    lib.save_position(book.fingerprint, Position(book.sentences()[0].id))
    with lib.open_book_cache(book) as cache:
        keys = fill(cache, book, seconds=0.2)  # all 30 sentences are inside the window
        cache.max_bytes = cache.audio_bytes() // 2
        calls = []
        original = cache.evict
        monkeypatch.setattr(cache, "evict", lambda *a, **k: calls.append(1) or original(*a, **k))
        for i, s in enumerate(book.sentences()[:5]):
            cache.put_clip(ClipKey.build(s.text, "v2", "m"), noise_clip(0.01, seed=i), sentence_id=s.id)
        assert len(calls) == 1  # tried once, then waits for more growth
        assert cache.cached_digests(keys.values()) == {k.digest for k in keys.values()}
    lib.close()
