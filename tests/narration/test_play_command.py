"""The command line, by subprocess: `pregen` on a tiny checkpoint with a progress bar, then `play --json`
from the cache alone (no model), with the report's keys checked exactly."""

import json
import os
import subprocess
import sys

from reader_app.resources import sample_book_path

# Random weights never emit EOS: a hard cap of 12 frames (~1 s) per sentence keeps generation short.
TINY = ["--threads", "1", "--engine-option", "max_frames=12"]


def cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "reader_app", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_pregen_then_play_from_the_cache_reports_timings(tiny_custom_voice):
    book = str(sample_book_path())
    result = cli("pregen", book, "--model", str(tiny_custom_voice), "--chapters", "1-1", *TINY)
    assert result.returncode == 0, result.stderr
    assert "4/4 sentences" in result.stderr and "Done: 4 generated" in result.stderr
    again = cli("pregen", book, "--model", str(tiny_custom_voice), "--chapters", "1", *TINY)
    assert "Done: 0 generated" in again.stderr  # resumable: cached clips are skipped

    played = cli("play", book, "--output", "null", "--json", "--sentences", "2", "--from", "1:1")
    assert played.returncode == 0, played.stderr
    report = json.loads(played.stdout)
    assert set(report) == {"first_audio_ms", "max_gap_ms", "sentences_played", "pauses_s", "sentences", "errors"}
    assert report["sentences_played"] == 2
    first, second = report["sentences"][:2]
    assert first["index"] == 0 and first["cached"] is True
    assert {"ready_ms", "started_ms"} <= set(first) and "requested_ms" not in first
    assert report["first_audio_ms"] == first["started_ms"] and second["started_ms"] > first["started_ms"]
    assert report["max_gap_ms"] >= 0


def test_play_rejects_a_bad_start_clearly():
    result = cli("play", str(sample_book_path()), "--output", "null", "--from", "9:1")
    assert result.returncode == 2 and "the book has" in result.stderr
