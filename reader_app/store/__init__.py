"""Persistence: the library database (books, positions, settings) and one cache file per book (sentences and
compressed audio clips keyed by ClipKey.digest). SQLite through sqlite-utils; Qt-free. Damaged files are set
aside or repaired, never fatal; what the user should hear about is a Notice (Library.take_notices()).

Names are imported on first use (PEP 562), so `import reader_app.cli.cache_command` for `reader-app --help` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "BookCache": "book_cache", "ClipKey": "clip_key", "StoreError": "errors", "Library": "library",
    "BookRecord": "records", "CacheLimits": "records", "CacheStats": "records", "Position": "records",
    "Notice": "records", "StoreProblem": "errors",
}
__all__ = ["BookCache", "BookRecord", "CacheLimits", "CacheStats", "ClipKey", "Library", "Notice", "Position",
           "StoreError", "StoreProblem"]

if TYPE_CHECKING:
    from reader_app.store.book_cache import BookCache
    from reader_app.store.clip_key import ClipKey
    from reader_app.store.errors import StoreError, StoreProblem
    from reader_app.store.library import Library
    from reader_app.store.records import BookRecord, CacheLimits, CacheStats, Notice, Position


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'reader_app.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"reader_app.store.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
