"""Moving a book's audio between machines: exporting its cache file, and importing an exported one (checked,
migrated if older, refused if newer or damaged), installed as the book's cache or merged into the one there."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from reader_app.store.book_cache import BookCache
from reader_app.store.cache_files import CACHE_SUFFIX, cache_file, delete_cache_files
from reader_app.store.commit_log import ledger_path
from reader_app.store.errors import StoreError, StoreProblem, translated
from reader_app.store.maintenance import backup_to, read_cache_identity
from reader_app.store.notices import NoticeFn
from reader_app.store.schema import CACHE_STEPS


def export_cache(path: Path, book_id: str, dest: Path, notice: NoticeFn) -> None:
    """Copy the cache at `path` (of `book_id`) to `dest`, one self-contained file replaced atomically."""
    if not path.exists():
        raise StoreError(f"No audio cache for this book to export ({book_id[:12]}...)", StoreProblem.MISSING)
    with BookCache(path, on_notice=notice) as cache:
        cache.export_to(dest)


def import_cache(src: Path, books_dir: Path, book_id_for: Callable[[str], str]) -> str:
    """Bring in a cache file exported on another machine; merges into an existing cache. Returns the book id
    the file names (`book_id_for` maps it to the library's id of that book)."""
    src = Path(src)
    book_id, version = read_cache_identity(src)
    if version > len(CACHE_STEPS):
        raise StoreError(f"{src.name} was written by a newer reader-app (cache schema v{version}): update the app",
                         StoreProblem.NEWER_VERSION)
    tmp = books_dir / f".import-{book_id}-{os.getpid()}{CACHE_SUFFIX}"
    try:
        with translated(f"import {src.name}", tmp):
            shutil.copyfile(src, tmp)
        with BookCache(tmp, book_id=book_id) as incoming:  # migrates an older file forward
            problems = incoming.integrity_check()
            if problems:
                raise StoreError(f"{src.name} is damaged ({problems[0]}); not imported", StoreProblem.DAMAGED)
        target = cache_file(books_dir, book_id_for(book_id))
        if not target.exists():
            with BookCache(tmp) as incoming:
                ledger_path(target).unlink(missing_ok=True)  # it counted the writes of another file
                backup_to(incoming._conns, target)
        else:
            _merge_clips(target, tmp, book_id_for(book_id))
    finally:
        delete_cache_files(tmp)
    return book_id


def _merge_clips(target: Path, src: Path, book_id: str) -> None:
    """Add the clips (and sentence links) of `src` that `target` lacks; sentences come from the book itself."""
    with BookCache(target, book_id=book_id) as cache:
        conn = cache._conns.conn
        with translated(f"import audio into {target.name}", target):
            conn.execute("ATTACH DATABASE ? AS src", (str(src),))  # not allowed inside a transaction
        try:
            with cache._conns.write(f"import audio into {target.name}") as db:
                db.execute("INSERT OR IGNORE INTO clips SELECT * FROM src.clips")
                db.execute("INSERT OR IGNORE INTO clip_links SELECT * FROM src.clip_links")
                if not db.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]:
                    db.execute("INSERT INTO chapters SELECT * FROM src.chapters")
                    db.execute("INSERT INTO sentences SELECT * FROM src.sentences")
        finally:
            conn.execute("DETACH DATABASE src")
        cache.audio_bytes()
