"""Playback benchmark from a cached chapter: how soon the first sentence is heard, and the longest gap.

    .venv/bin/python -m reader_app.devtools.bench.narration [--chapter 1] [--sentences 4] [--runs 3]

Builds (or reuses) a tiny random checkpoint, pregenerates one chapter of the sample book into a throw-away
XDG data folder, then runs `reader-app play BOOK --output null --json --sentences N` with no model at all
(cache only, as offline listening) and prints first_audio_ms and max_gap_ms (silence beyond the configured
pauses, measured by the player). Both commands run as subprocesses, exactly as a user would type them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reader_app", *args], capture_output=True, text=True, env=env,
                          timeout=900)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", type=int, default=1, help="chapter of the sample book to cache (from 1)")
    parser.add_argument("--sentences", type=int, default=4, help="sentences to play per run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    from reader_app.devtools.checkpoint import tiny_checkpoint
    from reader_app.resources import sample_book_path

    model = tiny_checkpoint("custom_voice")
    book = str(sample_book_path())
    with tempfile.TemporaryDirectory(prefix="reader-bench-") as home:
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        for var in ("DATA", "CONFIG", "CACHE", "STATE"):
            env[f"XDG_{var}_HOME"] = os.path.join(home, var.lower())
        env.pop("READER_APP_MODEL", None)
        # Random weights never emit EOS: cap each sentence at 12 frames (~1 s of audio).
        pregen = _cli(env, "pregen", book, "--model", str(model), "--chapters", str(args.chapter), "--threads", "1",
                      "--engine-option", "max_frames=12")
        print(pregen.stderr.strip().splitlines()[-1] if pregen.stderr.strip() else "pregen: no output")
        if pregen.returncode != 0:
            print(pregen.stderr, file=sys.stderr)
            return 1
        firsts, gaps = [], []
        for run in range(args.runs):
            played = _cli(env, "play", book, "--output", "null", "--json", "--sentences", str(args.sentences),
                          "--from", f"{args.chapter}:1")
            if played.returncode != 0:
                print(played.stderr, file=sys.stderr)
                return 1
            report = json.loads(played.stdout)
            firsts.append(report["first_audio_ms"])
            gaps.append(report["max_gap_ms"])
            print(f"run {run + 1}: first_audio_ms={report['first_audio_ms']} max_gap_ms={report['max_gap_ms']} "
                  f"sentences_played={report['sentences_played']}")
    print(json.dumps({"first_audio_ms": max(firsts), "max_gap_ms": max(gaps), "runs": args.runs,
                      "sentences": args.sentences, "worst_of_runs": True}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
