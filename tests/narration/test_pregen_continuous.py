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
from reader_app.resources import sample_book_path
from reader_app.store import BookCache
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


TINY = ["--threads", "1", "--engine-option", "max_frames=40", "--engine-option", "max_batch=2"]


def _cli(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "reader_app", *args]


def _env(home: Path) -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"), "XDG_CONFIG_HOME": str(home / "config")}


def _stored_clips(home: Path) -> int:
    total = 0
    for db in (home / "data").rglob("books/*.db"):
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
                total += conn.execute("SELECT COUNT(*) FROM clips").fetchone()[0]
        except sqlite3.Error:
            pass  # not created yet, or mid-write: looked at again
    return total


def test_a_killed_pregen_keeps_every_clip_it_stored_and_a_rerun_makes_only_the_rest(tiny_custom_voice, tmp_path):
    book = str(sample_book_path())
    args = ["pregen", book, "--model", str(tiny_custom_voice), "--chapters", "1-2", *TINY]
    run = subprocess.Popen(_cli(tmp_path, *args), env=_env(tmp_path), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while _stored_clips(tmp_path) == 0 and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.05)
        assert run.poll() is None, "pregen ended before it could be killed"
        before_kill = _stored_clips(tmp_path)
        run.send_signal(signal.SIGKILL)
        run.wait(10)
    finally:
        run.kill()
    assert before_kill >= 1
    kept = _stored_clips(tmp_path)
    assert kept >= before_kill  # nothing stored was lost with the process
    again = subprocess.run(_cli(tmp_path, *args, "--json"), env=_env(tmp_path), capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["done"] == summary["total"] and summary["generated"] == summary["total"] - kept
    assert summary["failed"] == 0 and summary["cancelled"] is False and summary["error"] is None
    assert summary["audio_s"] > 0 and summary["wall_s"] > 0
    assert abs(summary["x_realtime"] - summary["audio_s"] / summary["wall_s"]) < 0.01
