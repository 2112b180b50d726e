"""Which clips to drop when a cache is over its limit: least recently used first, never those near the reader.

The protected window covers PROTECT_BEHIND sentences before the reading position and PROTECT_AHEAD after it,
so what the user is about to hear (and just heard, for a rewind) is never thrown away to make room.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from reader_app.store.records import Position

PROTECT_BEHIND = 20
PROTECT_AHEAD = 200
# Evict a little below the limit, so a cache sitting at its limit does not evict on every new clip.
HEADROOM = 0.95


@dataclass(frozen=True, order=True)
class Candidate:
    last_used_at: float
    size_bytes: int
    digest: str
    book_id: str = ""


def protected_digests(db: sqlite_utils.Database, position: Position | None,
                      behind: int = PROTECT_BEHIND, ahead: int = PROTECT_AHEAD) -> set[str]:
    """Digests of clips for sentences within the window around `position` (by link or by identical text)."""
    if position is None:
        return set()
    row = db.conn.execute("SELECT ord FROM sentences WHERE id = ?", (position.sentence_id,)).fetchone()
    if row is None:
        return set()
    lo, hi = row[0] - behind, row[0] + ahead
    rows = db.conn.execute(
        """WITH win AS (SELECT id, text FROM sentences WHERE ord BETWEEN ? AND ?)
           SELECT digest FROM clips WHERE text IN (SELECT text FROM win)
           UNION SELECT digest FROM clip_links WHERE sentence_id IN (SELECT id FROM win)""", (lo, hi))
    return {r[0] for r in rows}


def candidates(db: sqlite_utils.Database, protected: set[str], book_id: str = "") -> list[Candidate]:
    """Unprotected clips, least recently used first."""
    rows = db.conn.execute("SELECT last_used_at, size_bytes, digest FROM clips ORDER BY last_used_at, digest")
    return [Candidate(r[0] or 0.0, r[1], r[2], book_id) for r in rows if r[2] not in protected]


def choose(sorted_lists: Iterable[list[Candidate]], current_bytes: int, limit_bytes: int) -> list[Candidate]:
    """The oldest candidates to drop so that current_bytes falls to HEADROOM * limit; [] when under the limit.

    `sorted_lists`: one list per book, each least recently used first; they are merged by last use.
    """
    if current_bytes <= limit_bytes:
        return []
    target = int(limit_bytes * HEADROOM)
    chosen: list[Candidate] = []
    for cand in heapq.merge(*sorted_lists):
        if current_bytes <= target:
            break
        chosen.append(cand)
        current_bytes -= cand.size_bytes
    return chosen
