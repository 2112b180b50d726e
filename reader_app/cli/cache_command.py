"""`reader-app cache BOOK [--check] [--repair] [--json]`: what a book's audio cache holds, whether it is intact,
and mending it (only damaged clips dropped)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reader_app.cli.errors import require_file
from reader_app.store.errors import (  # light: the rest is imported when the command runs
    StoreError,
    StoreProblem,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("cache", help="show a book's audio cache (size, clips), check or repair it",
                                   description="Show what a book's audio cache holds; --check verifies it, "
                                               "--repair drops only its damaged clips and rebuilds its indexes.")
    parser.add_argument("book", type=Path, help="the book (EPUB/TXT), or a cache file (.db) directly")
    parser.add_argument("--check", action="store_true", help="run an integrity check; exit 1 on any problem")
    parser.add_argument("--repair", action="store_true",
                        help="drop damaged clips (keeping every intact one), rebuild the indexes, then check; "
                             "close the app first")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--data-dir", type=Path, default=None, help="library folder (default: the user data dir)")
    parser.set_defaults(handler=run_cache)


def run_cache(args: argparse.Namespace) -> int:
    from reader_app.store.book_cache import BookCache
    from reader_app.store.records import CacheStats

    check = args.check or getattr(args, "repair", False)
    repair_out: dict[str, object] | None = None
    notes: list[str] = []
    try:
        cache_path, book_id, sentences, title = _locate(args)
        problems: list[str] = []
        if getattr(args, "repair", False) and cache_path.exists():
            repair_out = _repair(cache_path, book_id)
        if cache_path.exists():
            try:
                with BookCache(cache_path) as cache:
                    notes = [n.message for n in cache.notices]
                    stats = cache.stats()
                    if check:
                        problems = cache.integrity_check()
            except StoreError as exc:
                if not (check and exc.reason is StoreProblem.DAMAGED):
                    raise
                stats = CacheStats(size_bytes=cache_path.stat().st_size if cache_path.is_file() else 0)
                problems = [f"{exc} (`--repair` sets it aside and starts the cache anew)"]
        else:
            stats = CacheStats()
        if sentences is not None:  # the book is the truth; the cache may predate a re-parse or not exist yet
            stats = CacheStats(sentences, stats.clips, stats.audio_seconds, stats.size_bytes, stats.audio_bytes)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        out: dict[str, object] = {"sentences": stats.sentences, "clips": stats.clips,
                                  "audio_seconds": round(stats.audio_seconds, 3), "size_bytes": stats.size_bytes}
        if check:
            out.update(ok=not problems, problems=problems)
        if repair_out is not None:
            out["repair"] = repair_out
        print(json.dumps(out))
    else:
        if repair_out is not None:
            print(f"repair:          {repair_out['summary']}")
        print(f"{title}\n  cache file:    {cache_path}{'' if cache_path.exists() else ' (none yet)'}")
        print(f"  sentences:     {stats.sentences}\n  clips cached:  {stats.clips}\n"
              f"  audio:         {_hms(stats.audio_seconds)} ({stats.audio_seconds:.1f} s)\n"
              f"  size on disk:  {stats.size_bytes / 1e6:.1f} MB")
        if check:
            print("  check:         OK" if not problems else f"  check:         {len(problems)} problem(s)")
            for problem in problems:
                print(f"    - {problem}")
    return 1 if problems else 0


def _repair(cache_path: Path, book_id: str | None) -> dict[str, object]:
    from reader_app.store.repair import repair_cache

    report = repair_cache(cache_path, book_id)
    return {"summary": report.summary(), "kept": report.kept, "dropped": report.dropped,
            "reindexed": report.reindexed, "rebuilt": report.rebuilt,
            "set_aside": str(report.set_aside) if report.set_aside else None,
            "lost_acknowledged": report.lost_acknowledged}


def _locate(args: argparse.Namespace) -> tuple[Path, str | None, int | None, str]:
    """(cache file, book id if known, sentence count from the book or None, title) for the BOOK argument."""
    from reader_app.store.library import Library
    from reader_app.store.maintenance import read_cache_identity

    path: Path = args.book
    # Not found: the exit code every command gives a missing name (cli/errors.py), not a store error's.
    require_file(path, "cache" if path.suffix == ".db" else "book")
    if path.suffix == ".db":
        book_id: str | None
        try:
            book_id, _version = read_cache_identity(path)  # refuse to touch a database that is not a book cache
        except StoreError as exc:
            if exc.reason is not StoreProblem.DAMAGED or not (args.check or getattr(args, "repair", False)):
                raise
            # Damaged beyond telling whose it is: --check reports it, --repair sets it aside; a cache in the
            # library's books folder is named by its book id.
            stem = path.stem
            book_id = stem if len(stem) == 64 and all(c in "0123456789abcdef" for c in stem) else None
        return path, book_id, None, path.name
    from reader_app.books import (  # parsing is the books layer's job
        BookError,
        load_book,
    )

    try:
        book = load_book(path)
    except BookError as exc:
        raise StoreError(f"cannot open {path}: {exc}") from exc
    cache_path = Library.locate_cache(book, args.data_dir)  # also finds the audio of an edited copy of the file
    return cache_path, cache_path.stem, book.sentence_count(), book.title


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
