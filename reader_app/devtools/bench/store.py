"""Store benchmark: clip write/read latency and bytes per hour of speech, plus the codec survey behind the choice.

    python -m reader_app.devtools.bench.store [--clips 200] [--codecs] [--json]

Audio is speech-like (store/speechlike.py: voiced formants, fricatives, pauses) in sentence-sized clips of 2-9 s
at 24 kHz, what Qwen3-TTS produces. Everything runs in a temporary folder; the user's library is not touched.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from reader_app.audio.clip import AudioClip
from reader_app.books.model import Book, BookMetadata, Chapter, Sentence
from reader_app.devtools.speechlike import speech_like
from reader_app.store import codec
from reader_app.store.clip_key import ClipKey
from reader_app.store.library import Library
from reader_app.store.records import CacheLimits, Position

SURVEY = [("WAV", "PCM_16", None), ("FLAC", "PCM_16", None), ("FLAC", "PCM_16", 1.0),
          ("OGG", "VORBIS", 0.0), ("OGG", "VORBIS", 0.3), ("OGG", "VORBIS", 0.4), ("OGG", "VORBIS", 0.5),
          ("OGG", "VORBIS", 0.7), ("OGG", "OPUS", 0.0), ("OGG", "OPUS", 0.7), ("OGG", "OPUS", 0.8),
          ("OGG", "OPUS", 0.85)]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def snr_db(ref: np.ndarray, out: np.ndarray) -> float:
    n = min(len(ref), len(out))
    noise = np.sum((ref[:n] - out[:n]) ** 2)
    return float("inf") if noise == 0 else float(10 * np.log10(np.sum(ref[:n] ** 2) / noise))


def log_spectral_distance_db(ref: np.ndarray, out: np.ndarray, frame: int = 512) -> float:
    """Mean over speech frames of the RMS difference of log power spectra (dB); 0 is identical."""
    n = min(len(ref), len(out))

    def power(x: np.ndarray) -> np.ndarray:
        frames = np.lib.stride_tricks.sliding_window_view(x[:n], frame)[:: frame // 2] * np.hanning(frame)
        return np.abs(np.fft.rfft(frames)) ** 2

    a, b = power(ref), power(out)
    floor = a.max() * 1e-8  # -80 dB: below that, differences are inaudible
    active = a.sum(axis=1) > a.sum(axis=1).max() * 1e-4  # skip pauses
    diff = 10 * (np.log10(a[active] + floor) - np.log10(b[active] + floor))
    return float(np.mean(np.sqrt(np.mean(diff**2, axis=1))))


def clip_pool(count: int = 12) -> list[AudioClip]:
    rng = np.random.default_rng(7)
    return [speech_like(float(rng.uniform(2.0, 9.0)), seed=i) for i in range(count)]


def survey(clips: list[AudioClip]) -> list[dict]:
    """Size, decode time and quality of each candidate format on the same clips."""
    rows = []
    for fmt, subtype, level in SURVEY:
        sizes, decode_ms, snrs, lsds, seconds = 0, [], [], [], 0.0
        try:
            for clip in clips:
                buf = io.BytesIO()
                extra = {} if level is None else {"compression_level": level}
                sf.write(buf, clip.samples, clip.sample_rate, format=fmt, subtype=subtype, **extra)
                data = buf.getvalue()
                sizes += len(data)
                seconds += clip.duration_s
                best = float("inf")
                for _ in range(3):
                    t = time.perf_counter()
                    out, _rate = sf.read(io.BytesIO(data), dtype="float32")
                    best = min(best, time.perf_counter() - t)
                decode_ms.append(best * 1000 / clip.duration_s * 5)  # per 5 s of audio
                snrs.append(snr_db(clip.samples, out))
                lsds.append(log_spectral_distance_db(clip.samples, out))
        except Exception as exc:  # noqa: BLE001 - a format this libsndfile lacks
            rows.append({"format": f"{fmt}/{subtype}", "level": level, "error": str(exc)})
            continue
        rows.append({"format": f"{fmt}/{subtype}", "level": level, "mb_per_hour": sizes / seconds * 3600 / 1e6,
                     "decode_ms_per_5s": statistics.median(decode_ms), "snr_db": statistics.median(snrs),
                     "lsd_db": statistics.median(lsds)})
    return rows


def _book(n: int) -> Book:
    sentences = tuple(Sentence(f"s{i}", f"Sentence number {i}.", 0, i, i // 4) for i in range(n))
    return Book(Path("/bench.txt"), "b" * 64, "txt", BookMetadata("Bench"), (Chapter(0, "One", sentences),), 1)


def store_bench(n_clips: int, clips: list[AudioClip]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library(Path(tmp))
        lib.set_cache_limits(CacheLimits(None, None))
        book = _book(n_clips)
        lib.add_book(book)
        cache = lib.open_book_cache(book)
        keys = [ClipKey.build(s.text, "voice", "model", "English", {"temperature": 0.9}) for s in book.sentences()]
        write_ms, encode_ms = [], []
        for i, key in enumerate(keys):
            clip = clips[i % len(clips)]
            t = time.perf_counter()
            codec.encode(clip)
            encode_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            cache.put_clip(key, clip, sentence_id=book.sentences()[i].id)
            write_ms.append((time.perf_counter() - t) * 1000)
        cache.close()  # reopen: reads come from the file, as after a restart
        cache = lib.open_book_cache(book)
        read_ms, read5_ms = [], []
        for key in keys:
            t = time.perf_counter()
            got = cache.get_clip(key)
            dt = (time.perf_counter() - t) * 1000
            assert got is not None
            read_ms.append(dt)
            if 4.0 <= got.duration_s <= 6.0:
                read5_ms.append(dt)
        stats = cache.stats()
        pos_ms = []
        for i in range(200):
            t = time.perf_counter()
            lib.save_position(book.fingerprint, Position(f"s{i % n_clips}", i * 0.01))
            pos_ms.append((time.perf_counter() - t) * 1000)
        cache.close()  # checkpoints: the file alone is what stays on disk
        disk_bytes = os.path.getsize(lib.cache_path(book.fingerprint))
        lib.close()
    hours = stats.audio_seconds / 3600
    return {
        "clips": stats.clips, "audio_seconds": round(stats.audio_seconds, 1),
        "write_ms_median": statistics.median(write_ms), "write_ms_p95": percentile(write_ms, 95),
        "encode_ms_median": statistics.median(encode_ms),
        "read_ms_median": statistics.median(read_ms), "read_ms_p95": percentile(read_ms, 95),
        "read_5s_clip_ms_median": statistics.median(read5_ms) if read5_ms else None,
        "read_5s_clip_ms_p95": percentile(read5_ms, 95) if read5_ms else None,
        "audio_mb_per_hour": stats.audio_bytes / hours / 1e6, "disk_mb_per_hour": disk_bytes / hours / 1e6,
        "save_position_ms_median": statistics.median(pos_ms), "save_position_ms_p95": percentile(pos_ms, 95),
    }


def environment() -> dict:
    return {"python": platform.python_version(), "libsndfile": sf.__libsndfile_version__,
            "soundfile": sf.__version__, "sqlite": sqlite3.sqlite_version, "cpus": os.cpu_count(),
            "machine": platform.machine(), "codec": codec.DEFAULT_CODEC}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reader_app.devtools.bench.store",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=200, help="clips to write and read (default 200)")
    parser.add_argument("--codecs", action="store_true", help="also survey candidate formats")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    clips = clip_pool()
    result: dict[str, Any] = {"environment": environment(), "store": store_bench(args.clips, clips)}
    if args.codecs:
        result["codecs"] = survey(clips)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    env, s = result["environment"], result["store"]
    print(f"reader_app.store bench - Python {env['python']}, libsndfile {env['libsndfile']}, SQLite {env['sqlite']}, "
          f"{env['cpus']} CPUs, codec {env['codec']}")
    print(f"{s['clips']} clips, {s['audio_seconds']} s of speech-like audio (2-9 s per clip, 24 kHz mono)")
    print(f"  write clip (encode + commit): median {s['write_ms_median']:.1f} ms, p95 {s['write_ms_p95']:.1f} ms "
          f"(encode alone {s['encode_ms_median']:.1f} ms)")
    print(f"  read clip (select + decode):  median {s['read_ms_median']:.2f} ms, p95 {s['read_ms_p95']:.2f} ms")
    if s["read_5s_clip_ms_median"] is not None:
        print(f"  read a ~5 s clip:             median {s['read_5s_clip_ms_median']:.2f} ms, "
              f"p95 {s['read_5s_clip_ms_p95']:.2f} ms")
    print(f"  size: {s['audio_mb_per_hour']:.1f} MB of audio per hour of speech, "
          f"{s['disk_mb_per_hour']:.1f} MB on disk per hour (with sentences and indexes)")
    print(f"  save position: median {s['save_position_ms_median']:.2f} ms, p95 {s['save_position_ms_p95']:.2f} ms")
    if args.codecs:
        print("\ncodec survey (same clips): MB/hour, decode ms per 5 s, SNR dB, log-spectral distance dB")
        for row in result["codecs"]:
            name = f"{row['format']} {'' if row['level'] is None else row['level']}"
            if "error" in row:
                print(f"  {name:22} unavailable: {row['error']}")
            else:
                print(f"  {name:22} {row['mb_per_hour']:7.1f} {row['decode_ms_per_5s']:7.2f} {row['snr_db']:7.1f} "
                      f"{row['lsd_db']:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
