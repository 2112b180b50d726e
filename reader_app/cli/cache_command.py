"""`reader-app cache BOOK [--check] [--json]`: what a book's audio cache holds, and whether it is intact."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reader_app.store.errors import (
    StoreError,  # light: the rest is imported when the command runs
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("cache", help="show a book's audio cache (size, clips) and check it",
                                   description="Show what a book's audio cache holds; --check verifies it.")
    parser.add_argument("book", type=Path, help="the book (EPUB/TXT), or a cache file (.db) directly")
    parser.add_argument("--check", action="store_true", help="run an integrity check; exit 1 on any problem")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--data-dir", type=Path, default=None, help="library folder (default: the user data dir)")
    parser.set_defaults(handler=run_cache)


def run_cache(args: argparse.Namespace) -> int:
    from reader_app.store.book_cache import BookCache
    from reader_app.store.records import CacheStats

    try:
        cache_path, sentences, title = _locate(args)
        problems: list[str] = []
        if cache_path.exists():
            with BookCache(cache_path) as cache:
                stats = cache.stats()
                if args.check:
                    problems = cache.integrity_check()
        else:
            stats = CacheStats()
        if sentences is not None:  # the book is the truth; the cache may predate a re-parse or not exist yet
            stats = CacheStats(sentences, stats.clips, stats.audio_seconds, stats.size_bytes, stats.audio_bytes)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        out: dict[str, object] = {"sentences": stats.sentences, "clips": stats.clips,
                                  "audio_seconds": round(stats.audio_seconds, 3), "size_bytes": stats.size_bytes}
        if args.check:
            out.update(ok=not problems, problems=problems)
        print(json.dumps(out))
    else:
        print(f"{title}\n  cache file:    {cache_path}{'' if cache_path.exists() else ' (none yet)'}")
        print(f"  sentences:     {stats.sentences}\n  clips cached:  {stats.clips}\n"
              f"  audio:         {_hms(stats.audio_seconds)} ({stats.audio_seconds:.1f} s)\n"
              f"  size on disk:  {stats.size_bytes / 1e6:.1f} MB")
        if args.check:
            print("  check:         OK" if not problems else f"  check:         {len(problems)} problem(s)")
            for problem in problems:
                print(f"    - {problem}")
    return 1 if problems else 0


def _locate(args: argparse.Namespace) -> tuple[Path, int | None, str]:
    """(cache file, sentence count from the book or None, title) for the BOOK argument."""
    from reader_app.store.library import Library
    from reader_app.store.maintenance import read_cache_identity

    path: Path = args.book
    if path.suffix == ".db":
        read_cache_identity(path)  # refuse to touch a database that is not a book cache
        return path, None, path.name
    from reader_app.books import (  # parsing is the books layer's job
        BookError,
        load_book,
    )

    try:
        book = load_book(path)
    except BookError as exc:
        raise StoreError(f"cannot open {path}: {exc}") from exc
    return Library.cache_path_for(book.fingerprint, args.data_dir), book.sentence_count(), book.title


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
