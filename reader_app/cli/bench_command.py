"""`reader-app bench`: stock qwen-tts against the fast engine, side by side (reader_app.devtools.bench.engine)."""

from __future__ import annotations

import argparse
from pathlib import Path

from reader_app.devtools.bench.versus_peer import Peer
from reader_app.tts.engine import ModelKind
from reader_app.tts.fast.config import WeightFormat


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("bench", help="measure the fast TTS engine against stock qwen-tts")
    p.add_argument("--size", choices=("tiny", "0.6b", "1.7b"), default="0.6b", help="checkpoint shape to build")
    p.add_argument("--kind", choices=list(ModelKind), default=ModelKind.CUSTOM_VOICE)
    p.add_argument("--model", type=Path, help="use this checkpoint folder instead of building one")
    p.add_argument("--frames", type=int, default=16, help="frames per sentence (80 ms each)")
    p.add_argument("--batch", default="1,4,8", help="comma-separated batch sizes for the fast engine")
    p.add_argument("--device", default="cpu", help="cpu | cuda | mps | auto")
    p.add_argument("--dtype", default="bfloat16", help="dtype the model (and stock) runs in")
    p.add_argument("--engine-dtype", default="auto", help="fast engine compute dtype (auto picks per device)")
    p.add_argument("--weights", choices=list(WeightFormat), default=WeightFormat.AUTO,
                   help="fast engine weights (int8: CPU, int8 per channel through fbgemm)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    p.add_argument("--no-stock", action="store_true", help="skip the stock baseline")
    p.add_argument("--no-shipped-stock", action="store_true",
                   help="skip stock exactly as loaded when the fast engine runs the codec in another dtype "
                        "(a bf16 codec on a CPU without bf16 math takes seconds per frame); the fp32-codec "
                        "and talker-only baselines still run")
    p.add_argument("--no-graphs", action="store_true", help="CUDA: plain steps instead of CUDA graphs")
    p.add_argument("--cache-dir", type=Path, help="where built benchmark checkpoints are kept")
    p.add_argument("--peer", choices=list(Peer), type=Peer, default=None,
                   help="also time a peer engine on the same checkpoint, alone on the cores (needs the "
                        "optional 'peer' dependencies: pip install -e '.[peer]')")
    p.add_argument("--fidelity", action="store_true",
                   help="also measure each weight format against fp32, teacher-forced (logit error, top-1 "
                        "agreement; q8_0 = qwentts.cpp's arithmetic, emulated)")
    p.add_argument("--fidelity-frames", type=int, default=256, help="frames per sentence for --fidelity")
    p.add_argument("--fidelity-sentences", type=int, default=1, help="sentences for --fidelity")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.set_defaults(handler=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    from reader_app.devtools.bench.engine import run_bench as run

    if args.model is not None:
        from reader_app.models.catalog import inspect_model

        inspect_model(args.model)  # a clear EngineError for a folder that is not a checkpoint, before any import
    return run(args)
