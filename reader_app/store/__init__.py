"""Persistence: the library database (books, positions, settings, voice index) and one cache file per book
(sentences and compressed audio clips keyed by ClipKey.digest). SQLite through sqlite-utils; Qt-free.
"""

from reader_app.store.book_cache import BookCache
from reader_app.store.clip_key import ClipKey
from reader_app.store.errors import StoreError
from reader_app.store.library import Library
from reader_app.store.records import BookRecord, CacheLimits, CacheStats, Position, VoiceRecord

__all__ = ["BookCache", "BookRecord", "CacheLimits", "CacheStats", "ClipKey", "Library", "Position", "StoreError",
           "VoiceRecord"]
