"""The book cache files under books/, as files: their names, which exist, their size on disk, deleting one, and
the two whole-file jobs the library view asks for (a cache's sizes, clearing its audio), which never raise for
damage.
"""

from __future__ import annotations

import os
from pathlib import Path

from reader_app import paths
from reader_app.store.book_cache import BookCache
from reader_app.store.commit_log import ledger_path
from reader_app.store.damage import SIDE_FILES, set_aside
from reader_app.store.errors import StoreError, StoreProblem, translated
from reader_app.store.notices import NoticeFn
from reader_app.store.records import CacheStats

CACHE_SUFFIX = ".db"


def books_dir_of(data_dir: Path | None) -> Path:
    """The folder of the book caches of a data folder (None: the user's)."""
    return Path(data_dir) / "books" if data_dir is not None else paths.books_dir()


def cache_file(books_dir: Path, book_id: str) -> Path:
    """The cache file of a book id."""
    return books_dir / f"{book_id}{CACHE_SUFFIX}"


def cached_book_ids(books_dir: Path) -> list[str]:
    """The book ids that have a cache file (temporary files of an import left out)."""
    if not books_dir.is_dir():
        return []
    return sorted(p.stem for p in books_dir.glob(f"*{CACHE_SUFFIX}") if not p.name.startswith("."))


def total_cache_bytes(books_dir: Path) -> int:
    """Size on disk of all book caches (databases and their write-ahead logs)."""
    total = 0
    if not books_dir.is_dir():
        return 0
    for p in books_dir.iterdir():
        if p.name.endswith((CACHE_SUFFIX, f"{CACHE_SUFFIX}-wal")):
            try:
                total += p.stat().st_size
            except OSError:
                pass
    return total


def delete_cache_files(path: Path) -> None:
    """Delete a cache file with its side files and its commit counter."""
    with translated(f"delete {path.name}", path):
        for suffix in ("", *SIDE_FILES):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        ledger_path(path).unlink(missing_ok=True)


def cache_stats(path: Path, notice: NoticeFn, read_only: bool) -> CacheStats:
    """Sizes of the cache at `path`; never raises for damage (a file that cannot be opened is set aside)."""
    if not path.exists():
        return CacheStats()
    try:
        with BookCache(path, on_notice=notice) as cache:
            return cache.stats()
    except StoreError as exc:
        if exc.reason in (StoreProblem.NEWER_VERSION, StoreProblem.OTHER_BOOK, StoreProblem.LOCKED):
            notice(exc.reason, str(exc))  # the library view lists the book all the same
            return CacheStats()
        if exc.reason is not StoreProblem.DAMAGED:
            raise
    from reader_app.store.repair import schema_readable

    if not schema_readable(path) and not read_only:
        aside = set_aside(path)
        notice(StoreProblem.DAMAGED, f"The audio cache {path.name} could not be read: set aside as "
               f"{aside.name} (its audio will be generated again)")
    else:
        notice(StoreProblem.DAMAGED, f"The audio cache {path.name} is damaged: it is repaired when "
               "its book is opened")
    return CacheStats()


def clear_audio(path: Path, notice: NoticeFn) -> int:
    """Remove the audio of the cache at `path`: returns the bytes freed. A damaged cache is deleted outright."""
    if not path.exists():
        return 0
    try:
        with BookCache(path, on_notice=notice) as cache:
            return cache.clear_audio()
    except StoreError as exc:
        if exc.reason is not StoreProblem.DAMAGED:
            raise
    size = sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if p.is_file())
    delete_cache_files(path)
    return size
