"""scripts/gpu_check.sh --dry-run: the GPU check's own steps on the CPU with tiny checkpoints (no install), so
the script a GPU session runs blind is known to work, and to fail loudly, before any device time is spent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gpu_check.sh"


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = dict(os.environ, PYTHON=sys.executable, OUT=str(tmp_path / "out"),
                   GPU_CHECK_WORK=str(tmp_path / "work"), **env)
    return subprocess.run(["bash", str(SCRIPT), *args], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_dry_run_passes_and_writes_the_summary(tmp_path):
    done = _run(tmp_path, "--dry-run")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = tmp_path / "out"
    summary = json.loads((out / "gpu_check.json").read_text())
    assert summary["passed"] and summary["mode"] == "dry-run" and summary["failed_steps"] == []
    assert set(summary["steps"]) == {"env", "parity", "bench-0.6b", "bench-1.7b"}  # no install in a dry run
    groups = summary["parity"]["groups"]
    for kind in ("custom_voice", "voice_design", "base"):
        assert groups[kind]["passed"] and groups[kind]["counts"].get("passed", 0) >= 1, kind
    assert groups["graphs"]["passed"]
    for label, batches in (("0.6b", {"1", "2"}), ("1.7b", {"1"})):
        result = summary["bench"][label]["result"]
        assert summary["bench"][label]["problems"] == []
        assert set(result["batches"]) == batches
        for entry in result["batches"].values():
            assert entry["x_realtime"] > 0 and entry["first_audio_ms"] > 0 and entry["codes_only_ms_per_frame"] > 0
        assert result["first_audio_ms"] > 0 and result["ms_per_frame"] > 0
    assert summary["bench"]["0.6b"]["result"]["stock_ms_per_frame"] > 0  # the stock baseline ran
    assert summary["env"]["packages"]["transformers"] == "4.57.3"
    for name in ("gpu_check.log", "env.json", "parity.xml", "bench-0.6b.json", "bench-1.7b.json"):
        assert (out / name).is_file(), name
    assert "PASSED" in (out / "gpu_check.log").read_text()
    assert "PASSED" in done.stdout


def test_a_failing_step_fails_the_check_and_is_named(tmp_path):
    # one second per step: the env step (it imports qwen_tts) cannot finish, and the check stops there
    done = _run(tmp_path, "--dry-run", GPU_CHECK_STEP_TIMEOUT="1")
    assert done.returncode != 0
    assert "FAILED: env" in done.stdout
    summary = json.loads((tmp_path / "out" / "gpu_check.json").read_text())
    assert summary["failed_steps"] == ["env"] and summary["steps"]["env"]["timed_out"]
    assert not summary["passed"]


def test_install_needs_the_wheels(tmp_path):
    done = _run(tmp_path, "--dry-run", "--install", GPU_CHECK_SITE=str(tmp_path / "site"),
                GPU_CHECK_WHEELS=str(tmp_path / "no-wheels"))
    assert done.returncode != 0 and "no wheels" in done.stdout  # the script logs stderr with stdout


def test_unknown_option_is_refused(tmp_path):
    done = _run(tmp_path, "--frobnicate")
    assert done.returncode == 2 and "unknown option" in done.stderr  # refused before logging starts
