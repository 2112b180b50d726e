"""Pregeneration feeds the engine a window of sentences and stores each clip the moment it is finished, so a
killed run loses only the sentences in flight; `pregen --json` sums the run up."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from reader_app.narration.pregen import PREGEN_PRIORITY, Pregenerator
from reader_app.store import BookCache
from reader_app.store.maintenance import read_only_rows
from tests.support.books import make_book
from tests.support.engines import StreamingToneEngine
from tests.support.narration import config


class RecordingEngine(StreamingToneEngine):
    def __init__(self) -> None:
        super().__init__(chunk_s=0.05)
        self.priorities: list[int] = []

    def synthesize_stream(self, requests):
        self.priorities.extend(r.priority for r in requests)
        return super().synthesize_stream(requests)


def test_each_clip_is_in_the_cache_as_soon_as_it_is_finished(tmp_path):
    book = make_book([[[f"Sentence {i} of a chapter, {'long ' * (i % 3)}enough." for i in range(12)]]])
    cache = BookCache(tmp_path / "book.db")
    cache.sync_sentences(book)
    engine = RecordingEngine()
    pregen = Pregenerator(book, cache, config(batch_size=4), lambda: engine)
    keys = pregen.keys([0])
    stored_while_running: list[tuple[int, int]] = []

    def progress(p) -> None:
        stored_while_running.append((p.generated, len(cache.cached_digests(keys))))

    result = pregen.run([0], progress)
    cache.close()
    assert result.generated == 12 and result.failed == 0
    assert len(engine.stream_calls) == 1  # the whole window at once: the engine keeps its slots busy
    assert [g for g, _ in stored_while_running[1:]] == list(range(1, 13))  # one report per clip...
    assert all(cached == generated for generated, cached in stored_while_running)  # ...each already stored
    assert set(engine.priorities) == {PREGEN_PRIORITY}  # behind the narrator where the engine queues


def test_with_a_real_engine_short_sentences_are_stored_while_a_long_one_is_still_decoding(tiny_custom_voice, tmp_path):
    from reader_app.tts.fast import load_fast_engine

    # Two slots: the long sentence holds one while the four short ones pass through the other, one by one. With
    # fixed batches of two, the second short one could not start before the long one ended.
    engine = load_fast_engine(str(tiny_custom_voice), device="cpu", threads=1, max_batch=2, seed=0,
                              max_frames_per_char=0.1, margin_frames=4)
    long_text = "A long sentence that keeps its slot busy " * 8 + "until the very end."
    texts = [long_text] + [f"Short one number {n}." for n in range(4)]
    book = make_book([[texts]])
    cache = BookCache(tmp_path / "book.db")
    cache.sync_sentences(book)
    pregen = Pregenerator(book, cache, config(batch_size=2, model_id=engine.model_id), lambda: engine)
    keys = pregen.keys([0])
    long_key = keys[0]
    seen: list[tuple[int, bool]] = []  # (clips in the cache, the long one among them) at each report

    def progress(p) -> None:
        stored = cache.cached_digests(keys)
        seen.append((len(stored), long_key.digest in stored))

    result = pregen.run([0], progress)
    cache.close()
    assert result.generated == 5 and result.failed == 0 and result.error is None
    assert [count for count, _ in seen] == [0, 1, 2, 3, 4, 5]  # each clip stored the moment it was finished
    assert [has_long for _, has_long in seen] == [False] * 5 + [True]  # the short ones did not wait for it


TINY = ["--threads", "1", "--engine-option", "max_frames=40", "--engine-option", "max_batch=2"]


def _cli(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "reader_app", *args]


def _env(home: Path) -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"), "XDG_CONFIG_HOME": str(home / "config")}


def _stored_clips(home: Path) -> set[str]:
    """Digests of the clips committed to the book's cache, read through a read-only connection."""
    digests: set[str] = set()
    for db in (home / "data").rglob("books/*.db"):
        try:
            digests.update(row[0] for row in read_only_rows(db, "SELECT digest FROM clips"))
        except sqlite3.Error:
            pass  # not created yet, or mid-write: looked at again
    return digests


def test_a_killed_pregen_keeps_every_clip_it_stored_and_a_rerun_makes_only_the_rest(tiny_custom_voice, tmp_path):
    book = tmp_path / "ten sentences.txt"  # enough for several windows of the engine's two slots, and quick
    book.write_text(" ".join(f"This is sentence number {n} of a short book." for n in range(1, 11)) + "\n")
    args = ["pregen", str(book), "--model", str(tiny_custom_voice), *TINY]
    run = subprocess.Popen(_cli(tmp_path, *args), env=_env(tmp_path), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not _stored_clips(tmp_path) and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.02)
        assert run.poll() is None, "pregen ended before it could be killed"
        before_kill = _stored_clips(tmp_path)
        run.send_signal(signal.SIGKILL)
        run.wait(10)
    finally:
        run.kill()
        run.communicate()
    # Committed one by one as each was finished: not a whole batch (the default batch size, 4) at once.
    assert 1 <= len(before_kill) < 4
    kept = _stored_clips(tmp_path)
    assert kept >= before_kill  # every clip committed before the kill survived it
    again = subprocess.run(_cli(tmp_path, *args, "--json"), env=_env(tmp_path), capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["done"] == summary["total"] and summary["generated"] == summary["total"] - len(kept)
    assert summary["failed"] == 0 and summary["cancelled"] is False and summary["error"] is None
    assert summary["audio_s"] > 0 and summary["wall_s"] > 0
    assert abs(summary["x_realtime"] - summary["audio_s"] / summary["wall_s"]) < 0.01
    final = _stored_clips(tmp_path)
    assert kept <= final and len(final) == summary["total"]  # the rerun made exactly the rest
