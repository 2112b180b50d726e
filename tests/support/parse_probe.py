"""Parse a book in a fresh process and report its CPU time and peak memory (VmHWM), above a warm-up parse."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

_PROBE = textwrap.dedent("""
    import json, re, sys, time
    from reader_app.books import BookError, load_book

    def high_water_mb():  # VmHWM: this process's own peak (ru_maxrss would include the forking parent's)
        status = open("/proc/self/status").read()
        return int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1)) / 1024

    load_book(sys.argv[1])  # warm up: imports and the language model
    base = high_water_mb()
    start, cpu = time.perf_counter(), time.process_time()
    try:
        book = load_book(sys.argv[2])
        outcome = f"{len(book.chapters)} chapters, {book.sentence_count()} sentences"
    except BookError as exc:
        outcome = f"BookError: {exc}"
    print(json.dumps({"seconds": time.process_time() - cpu, "wall": time.perf_counter() - start,
                      "peak_mb": high_water_mb(), "base_mb": base, "outcome": outcome}))
""")

needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="measures memory via /proc")


def probe_parse(tmp_path: Path, target: Path) -> dict[str, Any]:
    """{"seconds": CPU s, "wall": s, "peak_mb", "base_mb", "outcome": "N chapters, M sentences" or "BookError: ..."}"""
    warm = tmp_path / "warm.txt"
    warm.write_text("Chapter 1\n\nA warm-up sentence in English, long enough to detect.\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, str(warm), str(target)],
        capture_output=True, text=True, cwd=REPO, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    # The figures docs/books.md records: shown with `pytest -s`.
    print(f"\n[parse probe] {target.name} ({target.stat().st_size / 2**20:.1f} MB): {result['outcome']} | "
          f"{result['seconds']:.2f} s CPU | +{result['peak_mb'] - result['base_mb']:.0f} MB peak")
    return result


def timed_load(path: Path) -> Any:
    """load_book(path), or the BookError it raised, after asserting it took under PARSE_BOUND_S of CPU (CPU
    time, not wall time: the budget is for our work, and CI machines are shared)."""
    from reader_app.books import BookError, load_book
    from tests.support.perf import PARSE_BOUND_S, time_limit

    start = time.process_time()
    try:
        result: Any = load_book(path)
    except BookError as exc:
        result = exc
    elapsed = time.process_time() - start
    assert elapsed < time_limit(PARSE_BOUND_S), f"{path.name} took {elapsed:.2f} s of CPU"
    return result
