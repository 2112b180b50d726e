from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from reader_app.audio.clip import AudioClip
from reader_app.devtools.speechlike import speech_like
from reader_app.store import BookCache, ClipKey, Library, StoreError
from tests.support.audio import noise_clip
from tests.support.books import make_book


def key(text: str = "Hello there.", voice: str = "voice-a", model: str = "model-1", **settings) -> ClipKey:
    return ClipKey.build(text, voice, model, "English", settings or {"temperature": 0.9})


def test_put_get_round_trip_exact_length(library: Library, book):
    cache = library.open_book_cache(book)
    for n in (1, 100, 23_999, 24_000 * 3 + 17):
        clip = AudioClip(speech_like(n / 24_000 + 0.01, seed=n).samples[:n], 24_000)
        k = key(f"text {n}")
        cache.put_clip(k, clip)
        back = cache.get_clip(k)
        assert back is not None and back.sample_rate == 24_000 and len(back.samples) == n
        assert back.samples.dtype == np.float32
    cache.close()


def test_lossy_clip_sounds_like_the_original(library: Library, book):
    cache = library.open_book_cache(book)
    clip = speech_like(3.0, seed=4)
    cache.put_clip(key(), clip)
    back = cache.get_clip(key()).samples
    snr = 10 * np.log10(np.sum(clip.samples**2) / np.sum((clip.samples - back) ** 2))
    assert snr > 20  # measured about 32 dB at the chosen setting
    cache.close()


def test_empty_and_odd_clips(library: Library, book):
    cache = library.open_book_cache(book)
    cache.put_clip(key("silence"), AudioClip(np.zeros(0, dtype=np.float32), 24_000))
    assert len(cache.get_clip(key("silence")).samples) == 0
    wild = np.array([np.nan, np.inf, -np.inf, 3.0, -3.0] * 1000, dtype=np.float32)
    cache.put_clip(key("wild"), AudioClip(wild, 24_000))
    back = cache.get_clip(key("wild")).samples
    assert np.all(np.isfinite(back)) and len(back) == 5000
    cache.put_clip(key("48k"), noise_clip(0.5, rate=48_000))
    assert cache.get_clip(key("48k")).sample_rate == 48_000
    cache.close()


def test_key_decides_the_clip(library: Library, book):
    cache = library.open_book_cache(book)
    cache.put_clip(key(voice="anna"), noise_clip(1.0, seed=1))
    assert cache.get_clip(key(voice="ben")) is None  # a voice change never serves the wrong audio
    assert cache.get_clip(key(model="model-2", voice="anna")) is None
    assert cache.get_clip(key(voice="anna", temperature=0.5)) is None
    assert cache.has_clip(key(voice="anna")) and not cache.has_clip(key(voice="ben"))
    cache.close()


def test_same_text_twice_is_one_clip(library: Library, book):
    cache = library.open_book_cache(book)
    cache.put_clip(key("“Yes.”"), noise_clip(0.5), sentence_id="c0s1")
    cache.put_clip(key("“Yes.”"), noise_clip(0.5), sentence_id="c1s3")
    assert cache.stats().clips == 1
    cache.close()


def test_cached_digests_in_bulk(library: Library, book):
    cache = library.open_book_cache(book)
    keys = [key(f"s{i}") for i in range(1200)]
    for k in keys[::100]:
        cache.put_clip(k, noise_clip(0.1))
    found = cache.cached_digests(keys)
    assert found == {k.digest for k in keys[::100]}
    assert cache.cached_digests([]) == set()
    cache.close()


def test_delete_and_clear(library: Library, book):
    cache = library.open_book_cache(book)
    for i in range(5):
        cache.put_clip(key(f"s{i}"), noise_clip(1.0, seed=i))
    assert cache.delete_clip(key("s0")) is True
    assert cache.delete_clip(key("s0")) is False
    assert cache.get_clip(key("s0")) is None
    stats = cache.stats()
    assert stats.clips == 4 and stats.audio_seconds == pytest.approx(4.0)
    freed = cache.clear_audio()
    assert freed == stats.audio_bytes
    after = cache.stats()
    assert after.clips == 0 and after.audio_bytes == 0 and after.sentences == 10
    cache.close()


def test_clear_audio_returns_space_to_the_disk(library: Library, book):
    cache = library.open_book_cache(book)
    clips = [speech_like(5.0, seed=i) for i in range(3)]
    for i in range(40):
        cache.put_clip(key(f"s{i}"), clips[i % 3])
    full = cache.stats().size_bytes
    cache.clear_audio()
    assert cache.stats().size_bytes < full / 4
    cache.close()


def test_stats_report_sizes(library: Library, book):
    cache = library.open_book_cache(book)
    cache.put_clip(key(), speech_like(5.0))
    stats = cache.stats()
    assert stats.sentences == 10 and stats.clips == 1
    assert stats.audio_seconds == pytest.approx(5.0)
    assert 5_000 < stats.audio_bytes < 60_000
    assert stats.size_bytes > stats.audio_bytes
    cache.close()
    assert library.cache_stats(book.fingerprint).clips == 1
    assert library.cache_stats("0" * 64).clips == 0


def test_sync_sentences_is_idempotent_and_keeps_clips(library: Library, book):
    cache = library.open_book_cache(book)
    cache.put_clip(key(), noise_clip())
    assert cache.sync_sentences(book) is False
    reparsed = make_book(n_chapters=3, per_chapter=4, parser_version=2)  # same file, new parser
    assert cache.sync_sentences(reparsed) is True
    stats = cache.stats()
    assert stats.sentences == 12 and stats.clips == 1
    assert cache.get_clip(key()) is not None
    cache.close()


def test_cache_of_another_book_is_refused(library: Library, book):
    library.open_book_cache(book).close()
    with pytest.raises(StoreError, match="another book"):
        BookCache(library.cache_path(book.fingerprint), book_id="f" * 64)
    other = make_book(seed="other")
    cache = BookCache(library.cache_path(book.fingerprint))
    with pytest.raises(StoreError, match="another book"):
        cache.sync_sentences(other)
    cache.close()


def test_integrity_check_finds_damaged_clip_and_get_skips_it(library: Library, book):
    cache = library.open_book_cache(book)
    cache.put_clip(key("a"), noise_clip(1.0, seed=1))
    cache.put_clip(key("b"), noise_clip(1.0, seed=2))
    assert cache.integrity_check() == []
    # Flip bytes inside one blob, as bit rot or a bad copy would.
    conn = cache._conns.conn
    data = bytearray(conn.execute("SELECT data FROM clips WHERE digest = ?", (key("a").digest,)).fetchone()[0])
    data[len(data) // 2] ^= 0xFF
    conn.execute("UPDATE clips SET data = ? WHERE digest = ?", (bytes(data), key("a").digest))
    conn.commit()
    problems = cache.integrity_check()
    assert len(problems) == 1 and "checksum" in problems[0] and key("a").digest in problems[0]
    assert cache.get_clip(key("a")) is None  # never a damaged clip
    assert cache.get_clip(key("b")) is not None
    assert cache.integrity_check() == []  # the damaged clip was dropped, to be generated again
    cache.close()


def test_clip_use_updates_last_used(library: Library, book):
    cache = library.open_book_cache(book)
    cache.put_clip(key("a"), noise_clip(0.2))
    conn = cache._conns.conn
    conn.execute("UPDATE clips SET last_used_at = 1.0")
    conn.commit()
    cache.get_clip(key("a"))
    cache.flush_usage()
    assert conn.execute("SELECT last_used_at FROM clips").fetchone()[0] > 1.0
    cache.close()


def test_put_clip_links_sentence(library: Library, book):
    cache = library.open_book_cache(book)
    cache.put_clip(key("rewritten text"), noise_clip(0.2), sentence_id="c0s0")
    rows = cache._conns.conn.execute("SELECT sentence_id, digest FROM clip_links").fetchall()
    assert rows == [("c0s0", key("rewritten text").digest)]
    cache.close()


def test_close_twice_and_use_after_close(library: Library, book):
    cache = library.open_book_cache(book)
    cache.close()
    cache.close()
    with pytest.raises(StoreError):
        cache.get_clip(key())


def test_frozen_book_replace_keeps_identity(book):
    assert dataclasses.replace(book, parser_version=9).fingerprint == book.fingerprint
