"""The takes of regenerated sentences, in each book's cache file (table `takes`, cache schema v2).

Qt-free. A sentence that was never regenerated has no row: its take 0 (the first draw) is kept. Takes are
numbered 0, 1, 2 ... in the order they were made; `made` counts them (take 0 included), so the next new take is
number `made`. Each take is its own clip in the cache (narration/rendering.py adds the take to the clip key);
this table only says which one is kept and which sentences the reader marked bad.

Marking a sentence bad reserves a new take and keeps it at once: its clip does not exist yet, so the narrator and
pregeneration make it when they reach the sentence, like any missing clip ("queued for regeneration").
`marked_bad` stays set until the replacement is made on purpose (`settle`), so the window can list them.

Every write is asked for by the reader, so a failed one raises StoreError (the window or the command says why).
Rows are keyed by stable sentence ids: a re-parse of the book keeps them.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from reader_app.store.db import ThreadConnections
from reader_app.store.errors import translated
from reader_app.store.maintenance import read_only_rows


@dataclass(frozen=True)
class TakeRecord:
    sentence_id: str
    kept: int = 0  # the take narration, replays and exports use
    made: int = 1  # takes numbered 0 .. made-1 exist (or are reserved)
    marked_bad: bool = False  # the reader marked it bad; its kept take is the reserved replacement

    @property
    def next_take(self) -> int:
        return self.made


class Takes:
    """One book's takes. BookCache.takes hands out one; any thread may call it."""

    def __init__(self, conns: ThreadConnections) -> None:
        self._conns = conns

    def get(self, sentence_id: str) -> TakeRecord:
        with translated("read the takes", self._conns.path):
            row = self._conns.conn.execute("SELECT kept, made, marked_bad FROM takes WHERE sentence_id = ?",
                                           (sentence_id,)).fetchone()
        return TakeRecord(sentence_id) if row is None else TakeRecord(sentence_id, int(row[0]), int(row[1]),
                                                                      bool(row[2]))

    def kept(self) -> dict[str, int]:
        """Sentence id -> kept take, for every sentence whose kept take is not the first (StudioChoices.takes)."""
        with translated("read the takes", self._conns.path):
            rows = self._conns.conn.execute("SELECT sentence_id, kept FROM takes WHERE kept != 0").fetchall()
        return {sid: int(kept) for sid, kept in rows}

    def marked(self) -> list[str]:
        """The sentences marked bad whose replacement was not settled yet, oldest mark first."""
        with translated("read the takes", self._conns.path):
            rows = self._conns.conn.execute(
                "SELECT sentence_id FROM takes WHERE marked_bad != 0 ORDER BY updated_at, sentence_id").fetchall()
        return [r[0] for r in rows]

    def reserve(self, sentence_id: str, count: int = 1) -> list[int]:
        """Numbers for `count` new takes (made, made+1, ...); the kept take does not change yet."""
        if count < 1:
            raise ValueError(f"the number of takes must be at least 1 (got {count})")
        with self._conns.write("reserve new takes") as db:
            made = self._made(db.conn, sentence_id)
            self._upsert(db.conn, sentence_id, made=made + count)
        return list(range(made, made + count))

    def keep(self, sentence_id: str, take: int) -> TakeRecord:
        """Keep one of the takes made (0 is the original); clears a bad mark."""
        with self._conns.write("keep a take") as db:
            made = self._made(db.conn, sentence_id)
            if not 0 <= take < made:
                raise ValueError(f"there is no take {take} of this sentence (takes 0 to {made - 1} were made)")
            self._upsert(db.conn, sentence_id, kept=take, marked_bad=0)
        return self.get(sentence_id)

    def mark_bad(self, sentence_id: str) -> TakeRecord:
        """Queue the sentence for regeneration: a new take is reserved and kept (made when narration reaches it).
        Marking a sentence already marked keeps its pending replacement."""
        with self._conns.write("mark a sentence bad") as db:
            row = db.conn.execute("SELECT made, marked_bad FROM takes WHERE sentence_id = ?",
                                  (sentence_id,)).fetchone()
            if row is None or not row[1]:
                made = 1 if row is None else int(row[0])
                self._upsert(db.conn, sentence_id, kept=made, made=made + 1, marked_bad=1)
        return self.get(sentence_id)

    def settle(self, sentence_id: str) -> None:
        """The replacement of a sentence marked bad was made: it is no longer waiting."""
        with self._conns.write("settle a regenerated sentence") as db:
            db.conn.execute("UPDATE takes SET marked_bad = 0, updated_at = ? WHERE sentence_id = ?",
                            (time.time(), sentence_id))

    @staticmethod
    def _made(conn: sqlite3.Connection, sentence_id: str) -> int:
        row = conn.execute("SELECT made FROM takes WHERE sentence_id = ?", (sentence_id,)).fetchone()
        return 1 if row is None else max(int(row[0]), 1)

    @staticmethod
    def _upsert(conn: sqlite3.Connection, sentence_id: str, **values: int) -> None:
        values_with_time: dict[str, float | int] = {**values, "updated_at": time.time()}
        names = list(values_with_time)
        conn.execute(f"INSERT INTO takes (sentence_id, {', '.join(names)}) VALUES (?{', ?' * len(names)}) "
                     f"ON CONFLICT(sentence_id) DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in names)}",
                     (sentence_id, *values_with_time.values()))


def kept_takes_at(cache_path: Path) -> dict[str, int]:
    """The kept takes of a book's cache file, read-only (no cache yet, or one older than schema v2: none)."""
    try:
        rows = read_only_rows(cache_path, "SELECT sentence_id, kept FROM takes WHERE kept != 0")
    except (sqlite3.Error, UnicodeDecodeError):
        return {}  # damaged or not migrated yet: the first takes play (opening the book repairs or migrates it)
    return {sid: int(kept) for sid, kept in rows}
