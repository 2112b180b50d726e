"""Helpers of scripts/gpu_check.sh: the environment report and the one JSON that sums the check up.

    python -m reader_app.devtools.gpu_check env --out DIR --device cuda
    python -m reader_app.devtools.gpu_check summarize --out DIR --mode gpu --step parity:0:95 ...

`env` writes DIR/env.json (versions, the GPU) and fails when the engine's stack cannot run: qwen_tts does not
import, a pinned package has another version (the carried wheels did not shadow the image's), or the asked
device is missing. `summarize` reads what the steps left in DIR (parity.xml from pytest, bench-*.json from
`reader-app bench`) and writes DIR/gpu_check.json; it exits 1 when a step failed, its output is missing or
incomplete, or a parity test failed. It is rerun after every step, so a check cut short still leaves a summary.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUMMARY = "gpu_check.json"
ENV = "env.json"
PARITY_XML = "parity.xml"

# What qwen-tts 0.1.1 is tested with (pyproject.toml, scripts/build_gpu_wheels.sh).
PINS = {"qwen-tts": "0.1.1", "transformers": "4.57.3", "accelerate": "1.12.0"}
REPORTED = ("torch", "torchaudio", "numpy", "tokenizers", "huggingface_hub", "safetensors", "librosa",
            "soundfile", "pytest", *PINS)

# Parity tests by the model kind they cover (test function name prefixes in tests/tts/fast/test_parity.py).
KIND_TESTS = {"custom_voice": ("test_custom_voice",), "voice_design": ("test_voice_design",),
              "base": ("test_voice_clone",)}


@dataclass(frozen=True)
class Target:
    """A figure issue 13 asks of one H200 (docs/BENCHMARKS.md)."""

    name: str
    bench: str  # bench label: 0.6b | 1.7b
    batch: str
    key: str  # x_realtime | first_audio_ms
    goal: float
    higher_is_better: bool = True


TARGETS = (
    Target("0.6B single stream, x real time", "0.6b", "1", "x_realtime", 12.0),
    Target("0.6B first audio, ms", "0.6b", "1", "first_audio_ms", 50.0, higher_is_better=False),
    Target("0.6B batch 64, x real time (all streams)", "0.6b", "64", "x_realtime", 1000.0),
    Target("1.7B single stream, x real time", "1.7b", "1", "x_realtime", 8.0),
)


# -- env ---------------------------------------------------------------------------------------------------
def _version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def environment(device: str) -> tuple[dict[str, Any], list[str]]:
    """What runs the check, and the problems that stop it."""
    problems: list[str] = []
    env: dict[str, Any] = {"python": sys.version.split()[0], "executable": sys.executable,
                           "platform": platform.platform(), "machine": platform.machine(),
                           "packages": {name: _version(name) for name in REPORTED}}
    for name, want in PINS.items():
        got = env["packages"].get(name)
        if got != want:
            problems.append(f"{name} is {got or 'missing'}, qwen-tts needs {want}: were the wheels of .whl/ "
                            "carried and installed (scripts/gpu_check.sh without --skip-install)?")
    try:
        from reader_app.tts.qwen_import import import_qwen_tts, torchaudio_error

        import_qwen_tts()
        env["torchaudio_standin"] = torchaudio_error()
    except Exception as exc:  # noqa: BLE001 - any import failure is the finding
        problems.append(f"import qwen_tts failed: {type(exc).__name__}: {exc}")
    try:
        import torch

        env["torch_cuda"] = torch.version.cuda
        env["cuda_available"] = torch.cuda.is_available()
        if torch.cuda.is_available():
            props = torch.cuda.get_device_properties(0)
            env["gpu"] = {"name": props.name, "memory_gib": round(props.total_memory / 2**30, 1),
                          "capability": f"{props.major}.{props.minor}", "multiprocessors": props.multi_processor_count,
                          "count": torch.cuda.device_count()}
    except Exception as exc:  # noqa: BLE001
        problems.append(f"import torch failed: {type(exc).__name__}: {exc}")
    if device.startswith("cuda") and not env.get("cuda_available"):
        problems.append("the check asks for CUDA, but torch sees no CUDA device")
    env["device"] = device
    return env, problems


# -- parity ------------------------------------------------------------------------------------------------
def parity_from_junit(path: Path) -> dict[str, Any]:
    """Per model kind (and for the graph-runner tests): each test's outcome and whether the kind passed."""
    if not path.is_file():
        return {"passed": False, "error": f"{path.name} missing: pytest did not finish"}
    root = ET.parse(path).getroot()
    groups: dict[str, dict[str, Any]] = {kind: {"tests": {}} for kind in (*KIND_TESTS, "graphs", "other")}
    for case in root.iter("testcase"):
        name = case.get("name", "")
        outcome, message = "passed", None
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                message = (node.get("message") or "").splitlines()[0][:300] if node.get("message") else None
                break
        kind_of = next((kind for kind, prefixes in KIND_TESTS.items() if name.startswith(prefixes)), None)
        if kind_of is None:
            kind_of = "graphs" if "test_graphs" in case.get("classname", "") else "other"
        groups[kind_of]["tests"][name] = outcome if message is None else f"{outcome}: {message}"
    for kind, group in groups.items():
        outcomes = [t.split(":")[0] for t in group["tests"].values()]
        bad = [o for o in outcomes if o in ("failed", "error")]
        ran = [o for o in outcomes if o == "passed"]
        # a model kind passes only if some of its tests ran; the graph tests may all skip off CUDA
        group["passed"] = not bad and (bool(ran) or kind in ("graphs", "other"))
        group["counts"] = {o: outcomes.count(o) for o in sorted(set(outcomes))}
    groups = {k: v for k, v in groups.items() if v["tests"] or k in KIND_TESTS}
    return {"passed": all(g["passed"] for g in groups.values()), "groups": groups}


# -- bench -------------------------------------------------------------------------------------------------
def bench_problems(result: dict[str, Any], batches: list[str]) -> list[str]:
    """What a bench JSON lacks: every asked batch with positive figures, first audio included."""
    problems = []
    for b in batches:
        entry = result.get("batches", {}).get(b)
        if entry is None:
            problems.append(f"batch {b} missing")
            continue
        for key in ("x_realtime", "first_audio_ms", "wall_s", "audio_s", "codes_only_ms_per_frame"):
            value = entry.get(key)
            if not isinstance(value, int | float) or value <= 0:
                problems.append(f"batch {b}: {key} is {value!r}")
    if "1" in batches and not (isinstance(result.get("ms_per_frame"), int | float) and result["ms_per_frame"] > 0):
        problems.append("ms_per_frame missing")
    return problems


def target_report(benches: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for t in TARGETS:
        result = benches.get(t.bench, {}).get("result") or {}
        value = result.get("batches", {}).get(t.batch, {}).get(t.key)
        met = None if value is None else (value >= t.goal if t.higher_is_better else value <= t.goal)
        rows.append({"name": t.name, "goal": t.goal, "value": value, "met": met})
    return rows


# -- summary -----------------------------------------------------------------------------------------------
def _parse_step(text: str) -> tuple[str, int, float]:
    name, rc, seconds = text.split(":")
    return name, int(rc), float(seconds)


def summarize(out: Path, mode: str, steps: list[str], bench_batches: dict[str, list[str]],
              commit: str | None = None) -> dict[str, Any]:
    summary: dict[str, Any] = {"mode": mode, "commit": commit, "steps": {}, "failed_steps": []}
    env_path = out / ENV
    if env_path.is_file():
        summary["env"] = json.loads(env_path.read_text())
    for text in steps:
        name, rc, seconds = _parse_step(text)
        step: dict[str, Any] = {"rc": rc, "seconds": seconds, "ok": rc == 0}
        if rc in (124, 137):
            step["timed_out"] = True
        summary["steps"][name] = step
    if "parity" in summary["steps"]:
        summary["parity"] = parity_from_junit(out / PARITY_XML)
        if not summary["parity"]["passed"]:
            summary["steps"]["parity"]["ok"] = False
    benches: dict[str, dict[str, Any]] = {}
    for label, batches in bench_batches.items():
        name = f"bench-{label}"
        if name not in summary["steps"]:
            continue
        path = out / f"{name}.json"
        entry: dict[str, Any] = {"json": path.name, "batches_asked": batches}
        if path.is_file():
            entry["result"] = json.loads(path.read_text())
            entry["problems"] = bench_problems(entry["result"], batches)
        else:
            entry["problems"] = [f"{path.name} missing: the bench did not finish"]
        if entry["problems"]:
            summary["steps"][name]["ok"] = False
        benches[label] = entry
    summary["bench"] = benches
    summary["targets"] = target_report(benches) if mode == "gpu" else []
    summary["failed_steps"] = [name for name, step in summary["steps"].items() if not step["ok"]]
    summary["passed"] = not summary["failed_steps"] and bool(summary["steps"])
    return summary


def _print_summary(summary: dict[str, Any]) -> None:
    print("== gpu check summary", f"({summary['mode']})")
    for name, step in summary["steps"].items():
        flag = "ok" if step["ok"] else ("TIMED OUT" if step.get("timed_out") else "FAILED")
        print(f"  {name:12} {flag:9} rc={step['rc']} {step['seconds']:.0f} s")
    parity = summary.get("parity")
    if parity and "groups" in parity:
        for kind, group in parity["groups"].items():
            print(f"  parity {kind:14} {'passed' if group['passed'] else 'FAILED'} {group['counts']}")
    elif parity:
        print(f"  parity: {parity.get('error')}")
    for label, bench in summary.get("bench", {}).items():
        result = bench.get("result") or {}
        for b, entry in result.get("batches", {}).items():
            print(f"  bench {label} ({result.get('size')}, {result.get('engine_compute')}) batch {b}: "
                  f"{entry.get('x_realtime')}x real time, first audio {entry.get('first_audio_ms')} ms")
        for problem in bench.get("problems", []):
            print(f"  bench {label}: {problem}")
    for row in summary.get("targets", []):
        verdict = {True: "met", False: "NOT met", None: "not measured"}[row["met"]]
        print(f"  target {row['name']}: {row['value']} (goal {row['goal']}) {verdict}")
    print("PASSED" if summary["passed"] else f"FAILED: {', '.join(summary['failed_steps']) or 'no step ran'}")


def _batches(text: str) -> dict[str, list[str]]:
    """'0.6b=1,16,64;1.7b=1,16' -> {'0.6b': ['1', '16', '64'], '1.7b': ['1', '16']}"""
    out = {}
    for part in filter(None, text.split(";")):
        label, batches = part.split("=")
        out[label] = [b.strip() for b in batches.split(",") if b.strip()]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reader_app.devtools.gpu_check")
    sub = parser.add_subparsers(dest="command", required=True)
    p_env = sub.add_parser("env", help="write env.json; fail when the engine's stack cannot run")
    p_env.add_argument("--out", type=Path, required=True)
    p_env.add_argument("--device", default="cuda")
    p_sum = sub.add_parser("summarize", help="write gpu_check.json from what the steps left")
    p_sum.add_argument("--out", type=Path, required=True)
    p_sum.add_argument("--mode", choices=("gpu", "dry-run"), required=True)
    p_sum.add_argument("--step", action="append", default=[], help="name:rc:seconds, once per step run")
    p_sum.add_argument("--bench", default="", help="label=batches;... as asked of each bench step")
    p_sum.add_argument("--commit", default=None)
    p_sum.add_argument("--final", action="store_true", help="print the summary")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.command == "env":
        env, problems = environment(args.device)
        env["problems"] = problems
        (args.out / ENV).write_text(json.dumps(env, indent=2) + "\n")
        print(json.dumps(env, indent=2))
        for problem in problems:
            print(f"env: {problem}", file=sys.stderr)
        return 1 if problems else 0
    summary = summarize(args.out, args.mode, args.step, _batches(args.bench), args.commit)
    (args.out / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
    if args.final:
        _print_summary(summary)
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
