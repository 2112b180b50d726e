"""Where lexicon entries are kept: a book's own in its cache file (table `lexicon`, schema v2), the global ones
in `lexicon.json` in the data folder (written atomically, one lock file around each change, so the window and
the command line can both edit it).

Both stores have one API (EntryStore): `entries()`, `add(entry)` (an entry with the same pattern, kind, case
rule and language as a kept one replaces it: a word has one pronunciation per scope), `update(id, entry)`,
`remove(id)`, `remove_pattern(pattern)`, `add_all(entries)`. Ids are the store's; the book's and the global ones
are separate numberings (StoredEntry.scope says which).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock, Timeout

from reader_app.jsonfile import JsonFileError, read_json_file, write_json_file
from reader_app.store.db import ThreadConnections
from reader_app.store.errors import StoreError, StoreProblem, translated
from reader_app.store.maintenance import read_only_rows
from reader_app.studio.lexicon import MAX_ENTRIES, Lexicon, LexiconEntry, LexiconError
from reader_app.studio.lexicon_files import entry_from_json, entry_to_json

log = logging.getLogger(__name__)

GLOBAL_FILE = "lexicon.json"
FORMAT_VERSION = 1
LEXICON_COLUMNS = ("id", "pattern", "replacement", "regex", "match_case", "whole_word", "language", "created_at")
_LOCK_TIMEOUT_S = 10.0


class Scope(StrEnum):
    GLOBAL = "global"  # every book
    BOOK = "book"  # this book only; applied before the global entries


@dataclass(frozen=True)
class StoredEntry:
    id: int
    entry: LexiconEntry
    scope: Scope
    created_at: float = 0.0


class EntryStore(Protocol):
    scope: Scope

    def entries(self) -> list[StoredEntry]: ...
    def add(self, entry: LexiconEntry) -> StoredEntry: ...
    def update(self, entry_id: int, entry: LexiconEntry) -> bool: ...
    def remove(self, entry_id: int) -> bool: ...
    def remove_pattern(self, pattern: str) -> int: ...
    def add_all(self, entries: Iterable[LexiconEntry]) -> tuple[int, int]: ...


def _same_slot(a: LexiconEntry, b: LexiconEntry) -> bool:
    return (a.pattern, a.regex, a.match_case, a.language) == (b.pattern, b.regex, b.match_case, b.language)


def _entry_from_row(row: Any) -> LexiconEntry:
    _id, pattern, replacement, is_regex, match_case, whole_word, language, _created = row
    return LexiconEntry(pattern, replacement, bool(is_regex), bool(match_case), bool(whole_word), language or None)


def _stored_rows(rows: Iterable[Any], scope: Scope, where: str) -> list[StoredEntry]:
    """Rows as entries; a row that no longer checks (edited by hand, a newer rule) is left out with a log line."""
    found = []
    for row in rows:
        try:
            found.append(StoredEntry(int(row[0]), _entry_from_row(row), scope, float(row[7] or 0.0)))
        except (LexiconError, TypeError, ValueError) as exc:
            log.warning("%s: lexicon entry %s left out: %s", where, row[0], exc)
    return found


class BookLexicon:
    """The book's own entries, in its cache file (BookCache.lexicon)."""

    scope = Scope.BOOK

    def __init__(self, conns: ThreadConnections, path: Path) -> None:
        self._conns = conns
        self.path = path

    def entries(self) -> list[StoredEntry]:
        with translated(f"read the lexicon of {self.path.name}", self.path):
            rows = self._conns.conn.execute(f"SELECT {', '.join(LEXICON_COLUMNS)} FROM lexicon ORDER BY id").fetchall()
        return _stored_rows(rows, Scope.BOOK, self.path.name)

    def add(self, entry: LexiconEntry) -> StoredEntry:
        return self._add([entry])[0][0]

    def add_all(self, entries: Iterable[LexiconEntry]) -> tuple[int, int]:
        stored, replaced = self._add(list(entries))
        return len(stored) - replaced, replaced

    def _add(self, entries: list[LexiconEntry]) -> tuple[list[StoredEntry], int]:
        now = time.time()
        stored: list[StoredEntry] = []
        replaced = 0
        with self._conns.write(f"store lexicon entries in {self.path.name}") as db:
            rows = db.conn.execute(f"SELECT {', '.join(LEXICON_COLUMNS)} FROM lexicon").fetchall()
            if len(rows) + len(entries) > MAX_ENTRIES:
                raise LexiconError(f"a lexicon holds at most {MAX_ENTRIES:,} entries")
            kept = _stored_rows(rows, Scope.BOOK, self.path.name)
            for entry in entries:
                same = next((k for k in kept if _same_slot(k.entry, entry)), None)
                values = (entry.pattern, entry.replacement, int(entry.regex), int(entry.match_case),
                          int(entry.whole_word), entry.language)
                if same is not None:
                    db.conn.execute("UPDATE lexicon SET pattern = ?, replacement = ?, regex = ?, match_case = ?, "
                                    "whole_word = ?, language = ? WHERE id = ?", (*values, same.id))
                    stored.append(StoredEntry(same.id, entry, Scope.BOOK, same.created_at))
                    kept = [k for k in kept if k.id != same.id] + [stored[-1]]
                    replaced += 1
                    continue
                cursor = db.conn.execute("INSERT INTO lexicon (pattern, replacement, regex, match_case, whole_word, "
                                         "language, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", (*values, now))
                stored.append(StoredEntry(int(cursor.lastrowid or 0), entry, Scope.BOOK, now))
                kept.append(stored[-1])
        return stored, replaced

    def update(self, entry_id: int, entry: LexiconEntry) -> bool:
        with self._conns.write(f"change a lexicon entry in {self.path.name}") as db:
            cursor = db.conn.execute("UPDATE lexicon SET pattern = ?, replacement = ?, regex = ?, match_case = ?, "
                                     "whole_word = ?, language = ? WHERE id = ?",
                                     (entry.pattern, entry.replacement, int(entry.regex), int(entry.match_case),
                                      int(entry.whole_word), entry.language, entry_id))
            return cursor.rowcount > 0

    def remove(self, entry_id: int) -> bool:
        with self._conns.write(f"remove a lexicon entry from {self.path.name}") as db:
            return db.conn.execute("DELETE FROM lexicon WHERE id = ?", (entry_id,)).rowcount > 0

    def remove_pattern(self, pattern: str) -> int:
        with self._conns.write(f"remove lexicon entries from {self.path.name}") as db:
            return int(db.conn.execute("DELETE FROM lexicon WHERE pattern = ?", (pattern,)).rowcount)


def read_book_entries(cache_path: Path) -> list[LexiconEntry]:
    """The book's entries read straight from its cache file, without opening a BookCache (for the narration
    config). A cache that does not exist yet, or older than schema v2, has none; one that cannot be read is
    said in a log line and counts as none (its audio is dealt with when the book's cache opens)."""
    try:
        rows = read_only_rows(cache_path, f"SELECT {', '.join(LEXICON_COLUMNS)} FROM lexicon ORDER BY id")
    except (sqlite3.Error, UnicodeDecodeError, OSError) as exc:
        log.warning("the lexicon of %s could not be read: %s", cache_path.name, exc)
        return []
    return [stored.entry for stored in _stored_rows(rows, Scope.BOOK, cache_path.name)]


class GlobalLexicon:
    """The entries for every book: `lexicon.json` in the data folder. A file that is not ours (not JSON, too
    large, not a lexicon) is moved aside to `lexicon.json.bad` on the first change, and `notice` says so."""

    scope = Scope.GLOBAL

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / GLOBAL_FILE
        self.notice: str | None = None

    def entries(self) -> list[StoredEntry]:
        return self._read()[0]

    def _read(self) -> tuple[list[StoredEntry], int]:
        try:
            raw = read_json_file(self.path, expect=dict, max_depth=4)
        except FileNotFoundError:
            return [], 1
        except JsonFileError as exc:
            self.notice = f"The global lexicon could not be read ({exc}): it is empty until it is changed"
            log.warning("%s", self.notice)
            return [], 1
        items = raw.get("entries")
        if raw.get("version") != FORMAT_VERSION or not isinstance(items, list) or len(items) > MAX_ENTRIES:
            self.notice = f"{GLOBAL_FILE} is not a lexicon this app wrote: it is empty until it is changed"
            log.warning("%s", self.notice)
            return [], 1
        found: list[StoredEntry] = []
        for item in items:
            try:
                entry_id, created = item["id"], item.get("created_at", 0.0)
                fields = {k: v for k, v in item.items() if k not in ("id", "created_at")}
                if not isinstance(entry_id, int) or isinstance(entry_id, bool) or \
                        not isinstance(created, (int, float)):
                    raise LexiconError("a bad id or time")
                found.append(StoredEntry(entry_id, entry_from_json(fields), Scope.GLOBAL, float(created)))
            except (LexiconError, KeyError, TypeError, AttributeError) as exc:
                log.warning("%s: an entry left out: %s", GLOBAL_FILE, exc)
        next_id = max((s.id for s in found), default=0) + 1
        return found, max(next_id, int(raw.get("next_id", 1)) if isinstance(raw.get("next_id"), int) else next_id)

    def _write(self, entries: list[StoredEntry], next_id: int) -> None:
        if self.notice and self.path.is_file():
            os.replace(self.path, self.path.with_name(GLOBAL_FILE + ".bad"))  # keep what we could not read
            self.notice = None
        payload = {"version": FORMAT_VERSION, "next_id": next_id,
                   "entries": [{"id": s.id, "created_at": s.created_at, **entry_to_json(s.entry)} for s in entries]}
        try:
            write_json_file(self.path, payload)
        except OSError as exc:
            raise StoreError(f"Could not save the global lexicon in {self.path} ({exc.strerror or exc})",
                             StoreProblem.OTHER) from exc

    def _change(self, change: Any) -> Any:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(str(self.path.with_name(GLOBAL_FILE + ".lock")), timeout=_LOCK_TIMEOUT_S):
                entries, next_id = self._read()
                result, entries, next_id = change(entries, next_id)
                self._write(entries, next_id)
                return result
        except Timeout:
            raise StoreError(f"The global lexicon is being changed by another program ({self.path})",
                             StoreProblem.LOCKED) from None

    def add(self, entry: LexiconEntry) -> StoredEntry:
        stored: StoredEntry = self._change(lambda es, n: self._added(es, n, [entry]))[0][0]
        return stored

    def add_all(self, entries: Iterable[LexiconEntry]) -> tuple[int, int]:
        stored, replaced = self._change(lambda es, n: self._added(es, n, list(entries)))
        return len(stored) - replaced, replaced

    def _added(self, entries: list[StoredEntry], next_id: int, new: list[LexiconEntry]) -> Any:
        if len(entries) + len(new) > MAX_ENTRIES:
            raise LexiconError(f"a lexicon holds at most {MAX_ENTRIES:,} entries")
        stored, replaced, now = [], 0, time.time()
        for entry in new:
            index = next((i for i, s in enumerate(entries) if _same_slot(s.entry, entry)), None)
            if index is not None:
                entries[index] = StoredEntry(entries[index].id, entry, Scope.GLOBAL, entries[index].created_at)
                stored.append(entries[index])
                replaced += 1
            else:
                entries.append(StoredEntry(next_id, entry, Scope.GLOBAL, now))
                stored.append(entries[-1])
                next_id += 1
        return (stored, replaced), entries, next_id

    def update(self, entry_id: int, entry: LexiconEntry) -> bool:
        def change(entries: list[StoredEntry], next_id: int) -> Any:
            index = next((i for i, s in enumerate(entries) if s.id == entry_id), None)
            if index is not None:
                entries[index] = StoredEntry(entry_id, entry, Scope.GLOBAL, entries[index].created_at)
            return index is not None, entries, next_id
        return bool(self._change(change))

    def remove(self, entry_id: int) -> bool:
        def change(entries: list[StoredEntry], next_id: int) -> Any:
            kept = [s for s in entries if s.id != entry_id]
            return len(kept) != len(entries), kept, next_id
        return bool(self._change(change))

    def remove_pattern(self, pattern: str) -> int:
        def change(entries: list[StoredEntry], next_id: int) -> Any:
            kept = [s for s in entries if s.entry.pattern != pattern]
            return len(entries) - len(kept), kept, next_id
        return int(self._change(change))


def book_lexicon(data_dir: Path, cache_path: Path) -> Lexicon | None:
    """What narration reads through: the book's entries, then the global ones (None when there are none)."""
    return Lexicon.of(read_book_entries(cache_path), [s.entry for s in GlobalLexicon(data_dir).entries()])
