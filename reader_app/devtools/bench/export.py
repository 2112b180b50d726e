"""Export benchmark: a fully cached book of --hours of speech-like audio, exported to one file.

    .venv/bin/python -m reader_app.devtools.bench.export [--hours 10] [--format m4b] [--json FILE]

The book (5 s sentences, 40 chapters) and its cache are built once into the cache folder (minutes for 10 hours:
every clip is Vorbis-encoded as the app stores it) and reused. The export then runs in a fresh child process,
so its peak memory (ru_maxrss) is the export's alone; wall time, x real time and peak RSS are printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from reader_app.books.model import Book, BookMetadata, Chapter, Sentence
from reader_app.narration.config import NarrationConfig
from reader_app.tts.engine import VoiceSpec

CLIP_S = 5.0
CHAPTERS = 40
DISTINCT = 64  # distinct clips, repeated under distinct keys (synthesis is not what is measured)


def _book(hours: float) -> Book:
    per_chapter = max(1, round(hours * 3600 / CLIP_S / CHAPTERS))
    chapters = tuple(Chapter(c, f"Chapter {c + 1}", tuple(
        Sentence(f"c{c}s{i}", f"Sentence {i} of chapter {c + 1}.", c, i, i // 4) for i in range(per_chapter)))
        for c in range(CHAPTERS))
    return Book(Path(f"/bench/{hours:g}h.txt"), f"bench-{hours:g}h", "txt",
                BookMetadata(f"Bench {hours:g} h", ("A. Writer",), "en"), chapters, parser_version=1,
                tts_language="English")


def _config() -> NarrationConfig:
    return NarrationConfig(voice=VoiceSpec(speaker="ryan"), model_id="bench")


def build_cache(hours: float, folder: Path) -> Path:
    from reader_app.devtools.speechlike import speech_like
    from reader_app.narration.plan import NarrationPlan
    from reader_app.store import BookCache

    db = folder / f"export-bench-{hours:g}h.db"
    if db.exists():
        return db
    folder.mkdir(parents=True, exist_ok=True)
    book = _book(hours)
    part = db.with_suffix(".building")
    part.unlink(missing_ok=True)
    clips = [speech_like(CLIP_S, seed=i) for i in range(DISTINCT)]
    started = time.perf_counter()
    with BookCache(part) as cache:
        cache.sync_sentences(book)
        plan = NarrationPlan(book.sentences(), _config(), cache.cached_digests)
        for i in range(book.sentence_count()):
            cache.put_clip(plan.key(i), clips[i % DISTINCT])
    part.rename(db)
    print(f"built {book.sentence_count()} clips in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return db


def export_once(db: Path, hours: float, fmt: str, out: Path) -> dict[str, float]:
    from reader_app.export.exporter import ExportRequest, export_audiobook
    from reader_app.export.formats import ExportFormat
    from reader_app.export.metadata import book_tags
    from reader_app.store import BookCache

    book = _book(hours)
    config = _config()
    started = time.perf_counter()
    with BookCache(db) as cache:
        summary = export_audiobook(book, cache, config, ExportRequest(ExportFormat(fmt), out),
                                   book_tags(book, config.voice))
    wall = time.perf_counter() - started
    return {"audio_h": round(summary.duration_s / 3600, 3), "wall_s": round(wall, 1),
            "x_realtime": round(summary.duration_s / wall, 1), "file_mb": round(out.stat().st_size / 1e6, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    from reader_app import paths

    parser = argparse.ArgumentParser(prog="python -m reader_app.devtools.bench.export",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=10.0)
    parser.add_argument("--format", default="m4b")
    parser.add_argument("--json", type=Path, help="also write the result here")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # the export itself, in a fresh process
    args = parser.parse_args(argv)
    if args.child:
        out = args.child.with_name(f"export-bench.{args.format}")
        print(json.dumps(export_once(args.child, args.hours, args.format, out)))
        out.unlink()
        return 0
    db = build_cache(args.hours, paths.cache_dir() / "bench-export")
    run = subprocess.run([sys.executable, "-m", "reader_app.devtools.bench.export", "--hours", str(args.hours),
                          "--format", args.format, "--child", str(db)], capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stderr, file=sys.stderr)
        return run.returncode
    result = {"hours": args.hours, "format": args.format, **json.loads(run.stdout.strip().splitlines()[-1])}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
