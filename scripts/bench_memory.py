"""Peak memory of an engine process: a child loads the fast engine from a checkpoint folder (as the app's engine
process does) and narrates one sentence; printed as JSON: the child's peak RSS (what /usr/bin/time -v calls
"Maximum resident set size"), its RSS after loading and after the sentence, and the load time.

    python scripts/bench_memory.py MODEL_DIR [--weights auto|int8|...] [--threads N] [--frames N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys

CHILD = """
import json, sys, time
from reader_app.tts.engine import SynthesisRequest, VoiceSpec
from reader_app.tts.fast import load_fast_engine

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

folder, weights, threads, frames = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
started = time.perf_counter()
engine = load_fast_engine(folder, device="cpu", threads=threads, weights=weights, max_frames=frames)
loaded_s, after_load = time.perf_counter() - started, rss_mb()
engine.synthesize([SynthesisRequest("A sentence to measure the engine's memory with.", VoiceSpec(speaker="ryan"))])
print(json.dumps({"load_s": round(loaded_s, 1), "rss_after_load_mb": round(after_load),
                  "rss_after_sentence_mb": round(rss_mb()), "placement": engine.placement.label}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="checkpoint folder (reader-app make-checkpoint --size 0.6b builds one)")
    parser.add_argument("--weights", default="auto")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--frames", type=int, default=8)
    args = parser.parse_args()
    run = subprocess.run([sys.executable, "-c", CHILD, args.model, args.weights, str(args.threads),
                          str(args.frames)], capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stderr, file=sys.stderr)
        return run.returncode
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    figures["weights"] = args.weights
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
