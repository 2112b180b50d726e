"""Run the CPU peer qwentts.cpp (`qwentts_cpp_cpu`, PyPI realtimetts-qwen-native-cpu) and time it like our engine.

    python -m reader_app.devtools.peer.qwentts_cpp CHECKPOINT [--frames 64] [--threads 1] [--weights q8_0]

converts CHECKPOINT (gguf_convert, cached beside it in CHECKPOINT.peer-gguf/) and prints the timing keys as JSON
(--convert-only stops after converting and prints the files).

The peer cannot suppress EOS, so a run asks for `frames` new tokens (one frame each) and reports the frames it
made; random weights practically never sample EOS. Timings: the wall clock of one streamed synthesis (as our
engine's bench streams), first audio at the first chunk, and the codes / codec split from the peer's own
`[Perf]` log lines (prompt build + prefill + talker + predictor + host sampling vs codec decode).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from reader_app.devtools.peer.gguf_convert import (
    PeerConversionError,
    PeerModelFiles,
    PeerWeights,
    convert_checkpoint,
)

PEER_PACKAGE = "realtimetts-qwen-native-cpu==0.4.2"
HOP = 1920  # samples per codec frame at 24 kHz (80 ms)
WARMUP_TEXT = "A short sentence to warm the caches up."
_PERF = re.compile(r"\[Perf\] (\w+) ([\d.]+) ms")
_THREADS = re.compile(r"CPU threads: (\d+)")


class PeerRunError(RuntimeError):
    """The peer could not load the files or failed (or crashed) while synthesising."""


def peer_available() -> str | None:
    """None when qwentts_cpp_cpu imports and its native library loads, else a one-line reason."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return f"the peer's wheel is built for Linux x86_64 only (this is {platform.system()} {platform.machine()})"
    try:
        import qwentts_cpp_cpu
    except ImportError as exc:
        return f"qwentts_cpp_cpu is not installed ({exc}); pip install {PEER_PACKAGE}"
    try:
        qwentts_cpp_cpu.QwenLibrary()
    except Exception as exc:  # noqa: BLE001 - any load failure is a reason to skip, reported as such
        return f"qwentts_cpp_cpu's native library does not load: {str(exc).splitlines()[0]}"
    return None


def parse_perf(lines: list[str]) -> dict[str, float]:
    """{"TalkerDecode": ms, "CodecDecode": ms, ...} from the peer's `[Perf]` log lines (the last value wins)."""
    perf: dict[str, float] = {}
    for line in lines:
        m = _PERF.search(line)
        if m:
            perf[m[1]] = float(m[2])
    return perf


def read_dump(path: Path) -> np.ndarray:
    """A qwentts.cpp debug dump (src/debug.h): int32 ndims, int32 shape..., float32 data."""
    raw = path.read_bytes()
    ndims = int(np.frombuffer(raw[:4], np.int32)[0])
    shape = tuple(int(v) for v in np.frombuffer(raw[4:4 + 4 * ndims], np.int32))
    return np.frombuffer(raw[4 + 4 * ndims:], np.float32).reshape(shape)


def _run_inline(files: PeerModelFiles, text: str, speaker: str | None, frames: int, threads: int | None,
                lang: str, seed: int, warmup_frames: int, keep_codes: bool, greedy: bool,
                echo_log: bool = False) -> dict[str, Any]:
    from qwentts_cpp_cpu import QwenLibrary, QwenTTS

    lines: list[str] = []

    def log(_level: int, message: str) -> None:
        lines.append(message)
        if echo_log:  # a child's stderr then still says what the peer did last if it aborts
            print(message, file=sys.stderr, flush=True)

    library = QwenLibrary()  # the log hook is process-wide; installed before load so the load lines come too
    library.set_log_callback(log)
    t0 = time.perf_counter()
    try:
        tts = QwenTTS(files.talker, files.codec, cpu_threads=threads, max_batch=1)
    except Exception as exc:  # noqa: BLE001 - the native message says why; keep the log for the report
        raise PeerRunError(f"qwentts.cpp could not load {files.talker.name} + {files.codec.name}: {exc}") from exc
    load_s = time.perf_counter() - t0
    found = [int(m[1]) for line in lines if (m := _THREADS.search(line))]
    common: dict[str, Any] = dict(speaker=speaker, lang=lang, seed=seed)
    if greedy:  # the peer's argmax path skips the repetition penalty; 1.0 says so instead of hiding it
        common |= dict(do_sample=False, subtalker_do_sample=False, repetition_penalty=1.0)
    # Warm-up with another sentence: graphs, buffers and the prompt prefix cache are ready, this text is not.
    tts.synthesize(text=WARMUP_TEXT, max_new_tokens=max(1, warmup_frames), **common)
    with tempfile.TemporaryDirectory(prefix="peer-dump-") as dump:
        # dump_dir costs a few host reads per run (one hidden row per step, dumps at steps 0-1 and the end).
        mark = len(lines)
        start = time.perf_counter()
        first = None
        samples = 0
        for chunk, _rate in tts.stream(text=text, max_new_tokens=frames, dump_dir=dump if keep_codes else None,
                                       **common):
            if first is None and len(chunk):
                first = time.perf_counter() - start
            samples += len(chunk)
        wall = time.perf_counter() - start
        codes_path = Path(dump) / "codes-full.bin"
        codes = read_dump(codes_path).round().astype(int).tolist() if keep_codes and codes_path.is_file() else None
    tts.close()
    library.set_log_callback(None)
    perf = parse_perf(lines[mark:])
    made = len(codes) if codes is not None else samples // HOP
    if made <= 0:
        raise PeerRunError(f"qwentts.cpp made no frames (EOS at once?); log tail: {lines[-5:]}")
    codes_ms = sum(perf.get(k, 0.0) for k in ("PromptBuild", "Prefill", "TalkerDecode", "CodePredictor",
                                               "HostCompose"))
    result: dict[str, Any] = dict(
        peer_ms_per_frame=round(1000 * wall / made, 1),
        peer_codes_ms_per_frame=round(codes_ms / made, 1),
        peer_codec_ms_per_frame=round(perf.get("CodecDecode", 0.0) / made, 1),
        peer_first_audio_ms=round(1000 * (first if first is not None else wall), 1),
        peer_frames=made, peer_frames_asked=frames, peer_weights=str(files.weights), peer_greedy=greedy,
        peer_threads=found[-1] if found else threads, peer_load_s=round(load_s, 2),
        peer_wall_s=round(wall, 3), peer_audio_s=round(samples / 24000, 3), peer_perf_ms=perf,
        peer_version=next((line.split("qwentts.cpp", 1)[1].strip() for line in lines if "qwentts.cpp" in line), ""),
    )
    if codes is not None:
        result["peer_codes"] = codes
    return result


def run_peer(files: PeerModelFiles, text: str, speaker: str | None, frames: int, threads: int | None, *,
             lang: str = "english", seed: int = 1, warmup_frames: int = 4, keep_codes: bool = True,
             greedy: bool = False, isolated: bool = True, timeout_s: float | None = None) -> dict[str, Any]:
    """Load the peer, warm up, then stream `text` for up to `frames` frames; returns the `peer_*` timing keys
    (and `peer_codes`, frames x 16 ints, when keep_codes). greedy=True decodes by argmax without repetition
    penalty (the peer ignores the penalty when not sampling): stock qwen-tts given repetition_penalty=1.0 makes
    the same codes from an F32 conversion. isolated=True runs it in a child process: a native
    abort (GGML_ASSERT) then raises PeerRunError here instead of killing the caller, and nothing the caller
    loaded (torch threads) shares the cores' timing."""
    reason = peer_available()
    if reason:
        raise PeerRunError(reason)
    if frames < 1:
        raise ValueError("frames must be at least 1")
    if not isolated:
        return _run_inline(files, text, speaker, frames, threads, lang, seed, warmup_frames, keep_codes, greedy)
    job = dict(files=files.to_json(), text=text, speaker=speaker,
               frames=frames, threads=threads, lang=lang, seed=seed, warmup_frames=warmup_frames,
               keep_codes=keep_codes, greedy=greedy)
    root = str(Path(__file__).resolve().parents[3])  # so the child imports this same reader_app
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    try:
        proc = subprocess.run([sys.executable, "-m", "reader_app.devtools.peer.qwentts_cpp", "--child"],
                              input=json.dumps(job), text=True, capture_output=True, timeout=timeout_s,
                              check=False, env=env)
    except subprocess.TimeoutExpired as exc:
        raise PeerRunError(f"qwentts.cpp did not finish within {timeout_s} s") from exc
    last = proc.stdout.strip().splitlines()[-1:] if proc.stdout.strip() else []
    if proc.returncode != 0 or not last:
        err = (proc.stderr or "").strip().splitlines()
        # A native abort prints a gdb backtrace after the message: keep the peer's own lines and the assert.
        said = [line for line in err if line.startswith("[") or "GGML_ASSERT" in line or "rror" in line]
        tail = " | ".join((said or err)[-6:])
        raise PeerRunError(f"qwentts.cpp run failed (exit {proc.returncode}): {tail}")
    answer = json.loads(last[0])
    if "error" in answer:
        raise PeerRunError(answer["error"])
    return dict(answer)


def _child() -> int:
    job = json.loads(sys.stdin.read())
    files = PeerModelFiles.from_json(job.pop("files"))
    try:
        result: dict[str, Any] = _run_inline(files, **job, echo_log=True)
    except PeerRunError as exc:
        result = {"error": str(exc)}
    print(json.dumps(result), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:] == ["--child"]:
        return _child()
    parser = argparse.ArgumentParser(prog="python -m reader_app.devtools.peer.qwentts_cpp", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path, help="an HF-format checkpoint folder (reader-app make-checkpoint)")
    parser.add_argument("--out", type=Path, help="GGUF folder (default CHECKPOINT.peer-gguf beside it)")
    parser.add_argument("--weights", default="q8_0", choices=[w.value for w in PeerWeights])
    parser.add_argument("--frames", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: the peer's choice)")
    parser.add_argument("--speaker", default=None, help="CustomVoice speaker (default: the first)")
    parser.add_argument("--text", default="Chapter one. The house stood at the end of the road, quiet and dark.")
    parser.add_argument("--no-codes", action="store_true", help="leave peer_codes out of the JSON")
    parser.add_argument("--json", type=Path, help="also write the result here")
    parser.add_argument("--convert-only", action="store_true", help="convert, print the files, run nothing")
    parser.add_argument("--no-strict-codec", action="store_true",
                        help="convert a codec the peer cannot decode (tiny checkpoints; with --convert-only)")
    args = parser.parse_args(argv)
    out = args.out or args.checkpoint.with_name(args.checkpoint.name + ".peer-gguf")
    t0 = time.perf_counter()
    try:
        files = convert_checkpoint(args.checkpoint, out, args.weights, strict_codec=not args.no_strict_codec)
    except PeerConversionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    convert_s = time.perf_counter() - t0
    if args.convert_only:
        print(json.dumps(dict(files.to_json(), convert_s=round(convert_s, 1)), indent=2))
        return 0
    speaker = args.speaker or (files.speakers[0] if files.speakers else None)
    try:
        result = run_peer(files, args.text, speaker, args.frames, args.threads, keep_codes=not args.no_codes)
    except PeerRunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    result = dict(model=str(args.checkpoint), convert_s=round(convert_s, 1), speaker=speaker, **result)
    shown = {k: v for k, v in result.items() if k != "peer_codes"}
    print(json.dumps(shown, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
