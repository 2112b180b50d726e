"""Two workers on one book (two pregenerations, in one process or two; pregeneration beside playback) share out its
clips: none is generated twice, and each sees what the other stored."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from reader_app.narration.claims import ClipClaims, claims_for
from reader_app.narration.config import wait_until
from reader_app.narration.pregen import Pregenerator
from reader_app.store import BookCache, Library
from tests.support import pregen_child
from tests.support.books import make_book
from tests.support.engines import ToneEngine
from tests.support.narration import Recorder, config, play_to_end


@pytest.fixture
def book():
    return make_book(n_chapters=2, per_chapter=10)


def _cache(book, path: Path) -> BookCache:
    cache = BookCache(path)
    cache.sync_sentences(book)
    return cache


def test_two_pregenerations_started_together_generate_each_clip_once(book, tmp_path):
    caches = [_cache(book, tmp_path / "book.db") for _ in range(2)]  # one connection each, as two runs have
    engines = [ToneEngine(delay_s=0.05), ToneEngine(delay_s=0.05)]
    results = [None, None]
    start = threading.Barrier(2)

    def run(n: int) -> None:
        start.wait()
        results[n] = Pregenerator(book, caches[n], config(batch_size=2), lambda: engines[n]).run(range(2))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    texts = engines[0].synthesized_texts() + engines[1].synthesized_texts()
    assert sorted(texts) == sorted(s.text for s in book.sentences())  # every clip once, none twice
    assert all(r is not None and r.done == r.total == book.sentence_count() for r in results)
    assert results[0].generated + results[1].generated == book.sentence_count()
    for cache in caches:
        cache.close()


def test_two_pregen_processes_on_one_book_generate_each_clip_once(tmp_path):
    children = [subprocess.Popen([sys.executable, pregen_child.__file__, str(tmp_path / "data")],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "READY"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        reports = [json.loads(child.communicate(timeout=60)[0].strip().splitlines()[-1]) for child in children]
    finally:
        for child in children:
            child.kill()
    texts = reports[0]["texts"] + reports[1]["texts"]
    assert sorted(texts) == sorted(s.text for s in pregen_child.BOOK.sentences())
    assert all(r["done"] == r["total"] == pregen_child.BOOK.sentence_count() for r in reports)


def test_pregeneration_beside_playback_generates_each_clip_once(book, tmp_path, make_narrator):
    engine = ToneEngine(delay_s=0.02)  # one engine, as the window shares it between its narrator and its bar
    rec = Recorder()
    narrator, cache, out = make_narrator(book, engine, rec, lookahead_s=1000)
    pregen_cache = _cache(book, cache.path)
    result = Pregenerator(book, pregen_cache, config(batch_size=2), lambda: engine).run(range(2))
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(book.sentence_count())), 10)
    texts = engine.synthesized_texts()
    assert sorted(texts) == sorted(s.text for s in book.sentences())
    assert result.done == result.total == book.sentence_count()
    assert play_to_end(narrator, out)
    assert rec.started == list(range(book.sentence_count()))
    pregen_cache.close()


def test_a_claim_held_by_another_process_is_refused_and_freed_when_it_dies(tmp_path):
    cache_path = tmp_path / "book.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, pathlib; sys.path.insert(0, sys.argv[2]);"
         "from reader_app.narration.claims import claims_for;"
         "assert claims_for(pathlib.Path(sys.argv[1])).try_claim('ab' * 32); print('HELD', flush=True);"
         "sys.stdin.readline()", str(cache_path), str(Path(__file__).resolve().parents[2])],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "HELD"
        claims = claims_for(cache_path)
        assert not claims.try_claim("ab" * 32) and claims.held_elsewhere("ab" * 32)
        assert claims.try_claim("cd" * 32)  # other clips are free
        holder.kill()  # SIGKILL: the OS drops its locks
        holder.wait(10)
        assert wait_until(lambda: claims.try_claim("ab" * 32), 5)
    finally:
        holder.kill()


def test_claims_within_one_process_are_exclusive_per_digest():
    claims = ClipClaims(None)
    assert claims.claim(["a", "b"]) == (["a", "b"], [])
    assert claims.claim(["b", "c"]) == (["c"], ["b"])
    claims.release(["b"])
    assert claims.try_claim("b")


def test_sigkill_during_pregeneration_leaves_an_intact_cache_and_no_stale_claim(tmp_path):
    rng = random.Random(17)
    data = tmp_path / "data"
    book = pregen_child.BOOK
    for _ in range(10):
        child = subprocess.Popen([sys.executable, pregen_child.__file__, str(data)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "READY"
            child.stdin.write("go\n")
            child.stdin.flush()
            time.sleep(rng.uniform(0.02, 0.4))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
    library = Library(data)
    cache = library.open_book_cache(book)
    try:
        assert cache.integrity_check() == []
        keys = Pregenerator(book, cache, config(), lambda: ToneEngine()).keys(range(len(book.chapters)))
        claims = claims_for(cache.path)
        assert all(claims.try_claim(key.digest) for key in keys)  # the OS dropped every claim of the dead
        claims.release(key.digest for key in keys)
        stored = [key for key in keys if cache.has_clip(key)]
        assert all(cache.get_clip(key) is not None for key in stored)  # whole clips only
        engine = ToneEngine()
        result = Pregenerator(book, cache, config(batch_size=2), lambda: engine).run(range(len(book.chapters)))
        assert result.done == result.total and result.generated == len(keys) - len(stored)
    finally:
        cache.close()
        library.close()
