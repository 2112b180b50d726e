"""Side by side: how long the GUI event loop stalls while the engine loads and generates, inline vs process.

    .venv/bin/python scripts/bench_engine_host.py MODEL_DIR [--sentences 16] [--frames 48] [--threads 0]

For each host (reader_app.tts.engine.EngineHost) a worker thread loads the engine and generates `--sentences`
sentences while a 5 ms Qt timer on the main thread measures the gaps between its ticks (what a user sees as a
frozen window, and what starves the audio callback). Prints one JSON line per host, then the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def measure(host: str, model: str, sentences: int, frames: int, threads: int | None) -> dict:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from reader_app.narration.engine_provider import qwen_engine_provider
    from reader_app.tts.engine import EngineHost, SynthesisRequest, VoiceSpec

    app = QApplication.instance() or QApplication([])
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    result: dict = {}

    def work() -> None:
        started = time.perf_counter()
        engine = qwen_engine_provider(model, "cpu", "auto", threads, host=EngineHost(host), max_frames=frames).get()
        result["load_s"] = round(time.perf_counter() - started, 2)
        requests = [SynthesisRequest(f"Sentence {i} of the benchmark, of an ordinary length.", VoiceSpec())
                    for i in range(sentences)]
        clips = engine.synthesize(requests)
        result["audio_s"] = round(sum(c.duration_s for c in clips), 2)
        result["wall_s"] = round(time.perf_counter() - started, 2)
        close = getattr(engine, "close", None)
        if close is not None:
            close()

    worker = threading.Thread(target=work)
    timer.start()
    worker.start()
    while worker.is_alive():
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    ordered = sorted(gaps)
    return {"host": host, "max_gap_ms": round(ordered[-1] * 1000, 1),
            "p99_gap_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 1), "ticks": len(gaps), **result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--sentences", type=int, default=16)
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--threads", type=int, default=0, help="0: torch decides (all cores)")
    args = parser.parse_args()
    rows = [measure(host, args.model, args.sentences, args.frames, args.threads or None)
            for host in ("inline", "process")]
    for row in rows:
        print(json.dumps(row))
    print(json.dumps({"max_gap_ratio_inline_over_process": round(rows[0]["max_gap_ms"] /
                                                                  max(rows[1]["max_gap_ms"], 0.1), 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
