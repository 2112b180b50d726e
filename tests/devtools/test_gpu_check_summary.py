"""reader_app.devtools.gpu_check: the summary scripts/gpu_check.sh writes, for outcomes a CPU never produces
(a parity failure, a bench that died, a GPU run's targets)."""

from __future__ import annotations

import json
from pathlib import Path

from reader_app.devtools import gpu_check

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.tts.fast.test_parity" name="test_custom_voice_single_and_batched[graphs]">{cv}</testcase>
<testcase classname="tests.tts.fast.test_parity" name="test_custom_voice_single_and_batched[eager]"/>
<testcase classname="tests.tts.fast.test_parity" name="test_voice_design[graphs]"/>
<testcase classname="tests.tts.fast.test_parity" name="test_voice_clone[graphs-icl]"/>
<testcase classname="tests.tts.fast.test_parity" name="test_eos_frames_match_stock_token_count"/>
<testcase classname="tests.tts.fast.test_graphs" name="test_sampling_under_graphs">
<skipped message="needs READER_APP_TEST_DEVICE=cuda"/></testcase>
</testsuite></testsuites>"""
FAILURE = '<failure message="AssertionError: cuda graphs=True max_batch=2 sentence 1: 7 codes differ">x</failure>'


def _bench(batches: dict[str, dict]) -> dict:
    return {"size": "0.6b", "engine_compute": "cuda/bfloat16/dense", "ms_per_frame": 5.0, "first_audio_ms": 40.0,
            "batches": batches}


def _entry(x: float, first: float = 40.0) -> dict:
    return {"wall_s": 1.0, "audio_s": x, "x_realtime": x, "first_audio_ms": first, "codes_only_ms_per_frame": 1.0}


def _write(out: Path, cv: str = "", benches: dict | None = None) -> None:
    out.mkdir(exist_ok=True)
    (out / gpu_check.PARITY_XML).write_text(JUNIT.format(cv=cv))
    for label, result in (benches or {}).items():
        (out / f"bench-{label}.json").write_text(json.dumps(result))


STEPS = ["env:0:10", "parity:0:60", "bench-0.6b:0:100", "bench-1.7b:0:90"]
BATCHES = {"0.6b": ["1", "16", "64"], "1.7b": ["1", "16"]}


def test_all_passed_with_targets(tmp_path):
    _write(tmp_path, benches={"0.6b": _bench({"1": _entry(13.0), "16": _entry(200.0), "64": _entry(900.0)}),
                              "1.7b": _bench({"1": _entry(9.0), "16": _entry(100.0)})})
    summary = gpu_check.summarize(tmp_path, "gpu", STEPS, BATCHES, "abc123")
    assert summary["passed"] and summary["failed_steps"] == [] and summary["commit"] == "abc123"
    groups = summary["parity"]["groups"]
    assert all(groups[k]["passed"] for k in ("custom_voice", "voice_design", "base", "graphs"))
    assert groups["custom_voice"]["counts"] == {"passed": 2}
    met = {row["name"]: row["met"] for row in summary["targets"]}
    assert met["0.6B single stream, x real time"] and met["0.6B first audio, ms"]
    assert met["0.6B batch 64, x real time (all streams)"] is False  # 900 < 1000
    assert met["1.7B single stream, x real time"]


def test_a_parity_failure_fails_its_kind_and_the_step(tmp_path, capsys):
    _write(tmp_path, cv=FAILURE, benches={"0.6b": _bench({"1": _entry(1), "16": _entry(1), "64": _entry(1)}),
                                          "1.7b": _bench({"1": _entry(1), "16": _entry(1)})})
    summary = gpu_check.summarize(tmp_path, "gpu", STEPS, BATCHES)
    groups = summary["parity"]["groups"]
    assert not groups["custom_voice"]["passed"] and groups["voice_design"]["passed"]
    assert "7 codes differ" in groups["custom_voice"]["tests"]["test_custom_voice_single_and_batched[graphs]"]
    assert summary["failed_steps"] == ["parity"] and not summary["passed"]
    gpu_check._print_summary(summary)
    assert "FAILED: parity" in capsys.readouterr().out


def test_a_missing_or_incomplete_bench_fails_its_step(tmp_path):
    _write(tmp_path, benches={"0.6b": _bench({"1": _entry(5.0), "16": _entry(0.0)})})
    summary = gpu_check.summarize(tmp_path, "gpu", STEPS[:3] + ["bench-1.7b:124:270"], BATCHES)
    assert summary["failed_steps"] == ["bench-0.6b", "bench-1.7b"]
    assert "batch 64 missing" in summary["bench"]["0.6b"]["problems"]
    assert "batch 16: x_realtime is 0.0" in summary["bench"]["0.6b"]["problems"]
    assert summary["steps"]["bench-1.7b"]["timed_out"]
    assert summary["bench"]["1.7b"]["problems"] == ["bench-1.7b.json missing: the bench did not finish"]


def test_a_model_kind_with_no_test_run_does_not_pass(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / gpu_check.PARITY_XML).write_text(
        '<testsuites><testsuite><testcase classname="x" name="test_voice_design[eager]"/></testsuite></testsuites>')
    parity = gpu_check.parity_from_junit(tmp_path / gpu_check.PARITY_XML)
    assert not parity["passed"] and not parity["groups"]["custom_voice"]["passed"]
    assert not gpu_check.parity_from_junit(tmp_path / "absent.xml")["passed"]


def test_main_exit_status_follows_the_summary(tmp_path):
    _write(tmp_path, cv=FAILURE)
    assert gpu_check.main(["summarize", "--out", str(tmp_path), "--mode", "dry-run", "--step", "parity:0:1"]) == 1
    assert json.loads((tmp_path / gpu_check.SUMMARY).read_text())["failed_steps"] == ["parity"]
    _write(tmp_path)
    assert gpu_check.main(["summarize", "--out", str(tmp_path), "--mode", "dry-run", "--step", "parity:0:1"]) == 0
