"""The audio cache limits across books: read from the app settings, enforced per book then in total (least
recently used clips first, each book's reading window spared), and re-checked now and then as clips are stored."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reader_app.store import eviction
from reader_app.store.book_cache import BookCache
from reader_app.store.cache_files import cache_file, cached_book_ids
from reader_app.store.errors import StoreError
from reader_app.store.notices import NoticeFn
from reader_app.store.records import CacheLimits, Position

log = logging.getLogger(__name__)

PER_BOOK_KEY = "cache.per_book_bytes"  # app settings
TOTAL_KEY = "cache.total_bytes"
_TOTAL_CHECK_FRACTION = 0.02  # re-check the total limit after writing this share of it


def limits_from(setting: Callable[[str, Any], Any]) -> CacheLimits:
    """The limits the settings hold (`setting(key, default)`); a stored value that is no limit is the default."""
    default = CacheLimits()
    per_book = setting(PER_BOOK_KEY, default.per_book_bytes)
    total = setting(TOTAL_KEY, default.total_bytes)
    return CacheLimits(per_book if is_limit(per_book) else default.per_book_bytes,
                       total if is_limit(total) else default.total_bytes)


def is_limit(value: Any) -> bool:
    """None (no limit) or a positive whole number of bytes."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0)


class LimitKeeper:
    """Enforces the limits over the caches in `books_dir`, one enforcement at a time."""

    def __init__(self, books_dir: Path, notice: NoticeFn) -> None:
        self.books_dir = books_dir
        self._notice = notice
        self._lock = threading.Lock()
        self._written_since_check = 0

    def enforce(self, limits: CacheLimits, position: Callable[[str], Position | None],
                protect_window: tuple[int, int]) -> int:
        """Evict least recently used clips, per book then across books, sparing each book's reading window.

        The window wins over the limits: a cache may stay above its limit when only protected clips are left.
        Returns the bytes of audio freed. Safe while a book's cache is open elsewhere (its own connection).
        A damaged or read-only cache is left out.
        """
        freed = 0
        with self._lock:
            caches: dict[str, BookCache] = {}
            try:
                for book_id in cached_book_ids(self.books_dir):
                    try:
                        cache = BookCache(cache_file(self.books_dir, book_id), on_notice=self._notice)
                    except StoreError as exc:  # a damaged or foreign file must not block the others
                        log.warning("%s", exc)
                        continue
                    if cache.read_only or cache.damaged:
                        cache.close()
                        continue
                    caches[book_id] = cache
                    cache.protect_window = protect_window
                positions = {book_id: position(book_id) for book_id in caches}
                if limits.per_book_bytes is not None:
                    for book_id, cache in caches.items():
                        try:
                            freed += cache.evict(limits.per_book_bytes, positions[book_id])
                        except StoreError as exc:
                            log.warning("%s", exc)
                if limits.total_bytes is not None:
                    total = sum(cache.audio_bytes() for cache in caches.values())
                    lists = [cache.eviction_candidates(positions[book_id], book_id)
                             for book_id, cache in caches.items()]
                    by_book: dict[str, list[str]] = {}
                    for cand in eviction.choose(lists, total, limits.total_bytes):
                        by_book.setdefault(cand.book_id, []).append(cand.digest)
                    for book_id, digests in by_book.items():
                        freed += caches[book_id].evict_digests(digests)
            finally:
                for cache in caches.values():
                    cache.close()
        return freed

    def total_check_due(self, added: int, total: Any) -> bool:
        """After `added` bytes stored: has a share of the total limit been written since the last check?"""
        if not is_limit(total) or total is None:
            return False
        self._written_since_check += added
        if self._written_since_check >= total * _TOTAL_CHECK_FRACTION:
            self._written_since_check = 0
            return True
        return False
