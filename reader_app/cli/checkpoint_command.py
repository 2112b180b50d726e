"""`reader-app make-checkpoint`: a random-weight Qwen3-TTS checkpoint for tests and benchmarks (it speaks noise)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from reader_app.tts.engine import ModelKind


def register(subparsers: argparse._SubParsersAction) -> None:
    make = subparsers.add_parser(
        "make-checkpoint", help="build a random-weight Qwen3-TTS checkpoint (tests, benchmarks)",
        description="Build a Qwen3-TTS checkpoint with random weights that loads offline. It speaks noise: use it "
                    "to test the pipeline or measure speed, never for listening.")
    make.add_argument("--kind", required=True, choices=list(ModelKind))
    make.add_argument("--size", default="tiny", choices=("tiny", "0.6b", "1.7b"),
                      help="tiny: seconds to build; 0.6b/1.7b: the published shapes (GBs)")
    make.add_argument("--seed", type=int, default=0, help="same seed, same weights (default 0)")
    make.add_argument("--force", action="store_true",
                      help="write into a folder that is not empty and not a random checkpoint of this kind: "
                           "its checkpoint and weight files are replaced, other files stay")
    make.add_argument("out", metavar="OUT", help="folder to write: new, empty, or a random checkpoint of the same "
                                                 "kind (rebuilt in place)")
    make.set_defaults(handler=run_make_checkpoint)


def run_make_checkpoint(args: argparse.Namespace) -> int:
    from reader_app.devtools.checkpoint import build_checkpoint

    started = time.perf_counter()
    try:
        out = build_checkpoint(args.kind, args.size, Path(args.out), seed=args.seed, force=args.force)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"built a random {args.size} {args.kind} checkpoint in {out} ({time.perf_counter() - started:.1f} s)")
    return 0
