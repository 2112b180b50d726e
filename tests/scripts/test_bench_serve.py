"""scripts/bench_serve.py serves a model and prints its figures per client count."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_serve_benchmark_reports_each_client_count(tiny_custom_voice):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_serve.py"), str(tiny_custom_voice),
                             "--clients", "1,2", "--requests", "2", "--threads", "1", "--max-frames", "6"],
                            capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [(row["clients"], row["requests"]) for row in rows] == [(1, 2), (2, 4)]
    assert all(row["x_realtime"] > 0 and row["first_audio_p95_ms"] >= row["first_audio_p50_ms"] > 0 for row in rows)
