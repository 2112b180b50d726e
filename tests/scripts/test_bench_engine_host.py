"""scripts/bench_engine_host.py runs both hosts and prints their figures (not their values: those are benchmarks)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_measures_both_hosts(tiny_custom_voice):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_engine_host.py"), str(tiny_custom_voice),
                             "--sentences", "2", "--frames", "6", "--threads", "1"],
                            capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [row.get("host") for row in rows[:2]] == ["inline", "process"]
    for row in rows[:2]:
        assert row["ticks"] > 0 and row["max_gap_ms"] >= row["p99_gap_ms"] > 0 and row["audio_s"] > 0
    assert rows[2]["max_gap_ratio_inline_over_process"] > 0
