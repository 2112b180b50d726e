"""`reader-app bench`: stock qwen-tts against the fast engine on the same sentences, same frame count.

Both run in one process on one loaded model (a real-shaped random checkpoint built once into a cache folder,
or --model), with EOS out of play: random weights practically never emit it for stock, and the fast engine
suppresses it, so every sentence decodes exactly --frames frames. Timings include prompt building and the
codec decode (stock: its full generate API; fast: streamed chunks), so they compare like for like.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

SENTENCES = [
    "The house stood at the end of the road, quiet and dark.",
    "It was the best of times, it was the worst of times.",
    "Call me Ishmael.",
    "Some years ago, never mind how long precisely, I went to sea.",
    "She opened the letter slowly, afraid of what it might say.",
    "Outside, the rain had finally stopped.",
    "He laughed, and for a moment the whole room seemed warmer.",
    "Nobody answered when I knocked, so I pushed the door open and stepped inside.",
    "The train was late again.",
    "We walked along the river until the lights of the town were far behind us.",
    "What would you have done in my place?",
    "Morning came grey and cold over the hills.",
    "There were letters on the table, unopened, and a cup of tea gone cold.",
    "I remember the smell of the old library more than any book I read there.",
    "At last the storm passed.",
    "They said nothing for a long time, watching the fire burn down.",
]


def checkpoint_for(kind: str, size: str, cache_dir: Path | None = None) -> Path:
    """A random checkpoint of this kind and size, built once (minutes for real sizes) and reused."""
    from reader_app.devtools.checkpoint import build_checkpoint
    from reader_app.devtools.checkpoint_spec import BUILDER_VERSION, MARKER_FILE

    if cache_dir is None:
        from reader_app import paths

        cache_dir = paths.cache_dir() / "bench-checkpoints"
    folder = Path(cache_dir) / f"{kind}-{size}-s0-v{BUILDER_VERSION}"
    if not (folder / MARKER_FILE).is_file():
        print(f"building a random {size} {kind} checkpoint in {folder} (once) ...", file=sys.stderr, flush=True)
        build_checkpoint(kind, size, folder, seed=0)
    return folder


def _voice_for(kind: str, ref_wav: Path | None):
    from reader_app.tts.engine import ModelKind, VoiceKind, VoiceSpec

    if kind == ModelKind.CUSTOM_VOICE:
        return VoiceSpec(kind=VoiceKind.PRESET, speaker="ryan")
    if kind == ModelKind.VOICE_DESIGN:
        return VoiceSpec(kind=VoiceKind.DESIGN, description="A calm, warm narrator voice.")
    return VoiceSpec(kind=VoiceKind.CLONE, ref_audio=str(ref_wav), ref_text="Hello world, this is a test.")


def _stock_run(wrapper, kind: str, texts: list[str], frames: int, voice) -> tuple[float, int]:
    """Seconds and frames of one stock generate call (sampling defaults, as shipped)."""
    kw: dict[str, Any] = dict(language="english", max_new_tokens=frames + 1)
    start = time.perf_counter()
    if kind == "custom_voice":
        wavs, sr = wrapper.generate_custom_voice(text=texts, speaker=voice.speaker, **kw)
    elif kind == "voice_design":
        wavs, sr = wrapper.generate_voice_design(text=texts, instruct=voice.description, **kw)
    else:
        wavs, sr = wrapper.generate_voice_clone(text=texts, ref_audio=voice.ref_audio, ref_text=voice.ref_text, **kw)
    wall = time.perf_counter() - start
    return wall, sum(len(w) for w in wavs) // 1920


def _stock_baselines(wrapper, engine, kind: str, frames: int, voice, result: dict, shipped: bool = True) -> None:
    """Stock as loaded (its codec in the model dtype), stock with an fp32 codec (what upstream intends; on CPUs
    without native bf16 a bf16 codec is ~50x slower), and stock's talker alone (codec call skipped)."""
    tokenizer = wrapper.model.speech_tokenizer
    loaded = tokenizer.model.decoder
    variants = [("stock", loaded)] if shipped or engine.codec is loaded else []
    if engine.codec is not loaded:
        variants.append(("stock_fp32_codec", engine.codec))
    for name, decoder in variants:
        tokenizer.model.decoder = decoder
        try:
            _stock_run(wrapper, kind, SENTENCES[:1], 2, voice)  # warm-up
            wall, got = _stock_run(wrapper, kind, SENTENCES[:1], frames, voice)
        finally:
            tokenizer.model.decoder = loaded
        result[f"{name}_frames"] = got
        result[f"{name}_ms_per_frame"] = round(1000 * wall / max(got, 1), 1)
        result[f"{name}_x_realtime"] = round(got * 0.08 / wall, 4)
        print(f"{name}: {got} frames in {wall:.2f} s = {result[f'{name}_ms_per_frame']} ms/frame "
              f"({result[f'{name}_x_realtime']}x real time)", flush=True)
    original = tokenizer.decode
    tokenizer.decode = lambda items: ([np.zeros(1920 * len(i["audio_codes"]), np.float32) for i in items], 24000)
    try:
        wall, got = _stock_run(wrapper, kind, SENTENCES[:1], frames, voice)
    finally:
        tokenizer.decode = original
    result["stock_talker_ms_per_frame"] = round(1000 * wall / max(got, 1), 1)
    print(f"stock talker only: {result['stock_talker_ms_per_frame']} ms/frame", flush=True)


def _fast_run(engine, requests, frames: int) -> tuple[float, float, float, float]:
    """Wall seconds, seconds to the first audio chunk, audio seconds and codec seconds of one streamed batch.
    The codec's share is timed around its decode calls (they run on this thread, between frames), not taken
    as the difference from another run, which would carry both runs' noise."""
    codec = engine.streaming_codec
    decode, spent = codec.decode, [0.0]

    def timed_decode(codes, state):
        t0 = time.perf_counter()
        try:
            return decode(codes, state)
        finally:
            spent[0] += time.perf_counter() - t0

    codec.decode = timed_decode  # an instance attribute over the method, removed below
    start = time.perf_counter()
    first = None
    samples = 0
    try:
        for event in engine.synthesize_stream(requests, max_frames=frames, suppress_eos=True):
            if first is None and len(event.chunk.samples):
                first = time.perf_counter() - start
            samples += len(event.chunk.samples)
    finally:
        del codec.decode
    wall = time.perf_counter() - start
    return wall, first if first is not None else wall, samples / 24000.0, spent[0]


def run_bench(args: argparse.Namespace) -> int:
    from reader_app.tts.qwen_import import import_qwen_tts

    qwen_tts = import_qwen_tts()
    import torch

    from reader_app.tts.engine import SynthesisRequest
    from reader_app.tts.fast import FastEngine, FastSettings
    from reader_app.tts.placement import resolve_device

    if args.threads:
        torch.set_num_threads(args.threads)
    batches = [int(b) for b in str(args.batch).split(",") if b.strip()]
    folder = args.model or checkpoint_for(args.kind, args.size, args.cache_dir)
    device = resolve_device(args.device)
    dtype = getattr(torch, {"bf16": "bfloat16", "fp32": "float32", "fp16": "float16"}.get(args.dtype, args.dtype))
    kwargs: dict[str, Any] = {"dtype": dtype}
    if device.type != "cpu":
        kwargs["device_map"] = str(device)
    t0 = time.perf_counter()
    wrapper = qwen_tts.Qwen3TTSModel.from_pretrained(str(folder), **kwargs)
    load_s = time.perf_counter() - t0
    ref_wav = _reference_wav() if args.kind == "base" else None
    voice = _voice_for(args.kind, ref_wav)
    frames = args.frames
    result: dict[str, Any] = dict(size=args.size, kind=args.kind, model=str(folder), device=str(device),
                                  model_dtype=str(dtype).removeprefix("torch."), frames=frames,
                                  threads=torch.get_num_threads(), load_s=round(load_s, 2))

    settings = FastSettings(device=str(device), dtype=args.engine_dtype, weights=args.weights,
                            threads=args.threads, max_batch=max(batches), trim_silence=False, max_silence_s=0,
                            cuda_graphs=not args.no_graphs)
    engine = FastEngine.from_wrapper(wrapper, settings, model_id="bench")
    result["engine_compute"] = engine.placement.label
    if not args.no_stock:
        _stock_baselines(wrapper, engine, args.kind, frames, voice, result, shipped=not args.no_shipped_stock)

    result["batches"] = {}
    for b in batches:
        engine.fast_settings = dataclasses.replace(settings, max_batch=b)
        requests = [SynthesisRequest(SENTENCES[i % len(SENTENCES)], voice, "english") for i in range(b)]
        # Warm-up. On CUDA over every frame, so each KV-length bucket's graph is captured before the timed run
        # (a capture mid-run would be timed); elsewhere a few frames, as there is nothing to capture.
        _fast_run(engine, requests, frames if device.type == "cuda" else min(frames, 6))
        wall, first, audio_s, codec_s = _fast_run(engine, requests, frames)
        t0 = time.perf_counter()
        engine.generate_codes(requests, max_frames=frames, suppress_eos=True)
        codes_wall = time.perf_counter() - t0
        entry = dict(wall_s=round(wall, 3), audio_s=round(audio_s, 3), x_realtime=round(audio_s / wall, 4),
                     first_audio_ms=round(1000 * first, 1),
                     codes_only_ms_per_frame=round(1000 * codes_wall / (frames * b), 1),
                     codec_ms_per_frame=round(1000 * codec_s / (frames * b), 1))
        for key, base in (("speedup_vs_stock", "stock_x_realtime"),
                          ("speedup_vs_stock_fp32_codec", "stock_fp32_codec_x_realtime")):
            if base in result:
                entry[key] = round(entry["x_realtime"] / result[base], 2)
        result["batches"][str(b)] = entry
        if b == 1:
            result["ms_per_frame"] = round(1000 * wall / frames, 1)
            result["codes_ms_per_frame"] = entry["codes_only_ms_per_frame"]
            result["codec_ms_per_frame"] = entry["codec_ms_per_frame"]  # timed in the streamed run itself
            result["first_audio_ms"] = entry["first_audio_ms"]
        print(f"fast batch {b}: {audio_s:.2f} s audio in {wall:.2f} s = {entry['x_realtime']}x real time"
              + (f", {entry['speedup_vs_stock']}x stock" if "speedup_vs_stock" in entry else "")
              + f", first audio {entry['first_audio_ms']} ms", flush=True)
    if args.peer:
        from reader_app.devtools.bench.versus_peer import peer_figures

        result.update(peer_figures(args.peer, Path(folder), SENTENCES[0], getattr(voice, "speaker", None),
                                   frames, args.threads, result))
    if args.fidelity:
        from reader_app.devtools.bench.versus_peer import fidelity_figures

        del engine, wrapper  # the fidelity run loads its own fp32 copy
        fid_requests = [SynthesisRequest(text, voice, "english") for text in SENTENCES[:args.fidelity_sentences]]
        result["fidelity_frames"] = args.fidelity_frames
        result["fidelity"] = fidelity_figures(Path(folder), fid_requests, args.fidelity_frames)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


def _reference_wav() -> Path:
    import tempfile

    import numpy as np
    import soundfile as sf

    t = np.arange(48000) / 24000
    wav = (0.3 * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
    path = Path(tempfile.mkdtemp(prefix="bench-ref-")) / "ref.wav"
    sf.write(path, wav, 24000)
    return path

