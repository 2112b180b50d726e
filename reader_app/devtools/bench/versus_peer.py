"""`bench --peer` and `bench --fidelity`: the same checkpoint through a peer engine, and our weight formats
against fp32, reported beside the engine bench's own figures (reader_app.devtools.bench.engine)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Any


class Peer(StrEnum):
    QWENTTS_CPP = "qwentts-cpp"  # qwentts.cpp's CPU build (PyPI realtimetts-qwen-native-cpu), Q8_0 weights


def peer_figures(peer: Peer, checkpoint: Path, text: str, speaker: str | None, frames: int,
                 threads: int | None, ours: dict[str, Any]) -> dict[str, Any]:
    """The peer's timing keys for `frames` frames of `text`, and `speedup_vs_peer` against our batch-1 run
    (`ours`: the bench result with ms_per_frame). The peer runs in a child process, alone on the cores."""
    from reader_app.devtools.peer.gguf_convert import convert_checkpoint
    from reader_app.devtools.peer.qwentts_cpp import peer_available, run_peer

    reason = peer_available()
    if reason:
        raise SystemExit(f"--peer {peer}: {reason}")
    print(f"converting {checkpoint} for {peer} (cached) ...", file=sys.stderr, flush=True)
    files = convert_checkpoint(checkpoint, Path(f"{checkpoint}.peer-gguf"))
    got = run_peer(files, text, speaker, frames, threads, keep_codes=False)
    keys = ("peer_ms_per_frame", "peer_codes_ms_per_frame", "peer_codec_ms_per_frame", "peer_first_audio_ms",
            "peer_frames", "peer_weights", "peer_threads", "peer_version")
    figures: dict[str, Any] = {"peer": str(peer), **{k: got[k] for k in keys if k in got}}
    if ours.get("ms_per_frame") and figures.get("peer_ms_per_frame"):
        figures["speedup_vs_peer"] = round(figures["peer_ms_per_frame"] / ours["ms_per_frame"], 3)
    print(f"{peer}: {figures.get('peer_ms_per_frame')} ms/frame (codes {figures.get('peer_codes_ms_per_frame')}, "
          f"codec {figures.get('peer_codec_ms_per_frame')}), first audio {figures.get('peer_first_audio_ms')} ms"
          f"; ours {ours.get('ms_per_frame')} ms/frame: {figures.get('speedup_vs_peer')}x", flush=True)
    return figures


def fidelity_figures(checkpoint: Path, requests: list, frames: int) -> dict[str, dict[str, float]]:
    """The fidelity table (reader_app.devtools.bench.fidelity) on an fp32 load of the checkpoint."""
    import torch

    from reader_app.devtools.bench.fidelity import candidate_formats, fidelity_table
    from reader_app.tts.placement import cpu_has_native_bf16
    from reader_app.tts.qwen_import import import_qwen_tts

    wrapper = import_qwen_tts().Qwen3TTSModel.from_pretrained(str(checkpoint), dtype=torch.float32)
    table = fidelity_table(wrapper, requests, frames, candidate_formats(cpu_has_native_bf16()))
    for fmt, row in table.items():
        print(f"fidelity {fmt}: " + ", ".join(f"{k} {v}" for k, v in row.items()), flush=True)
    return table
