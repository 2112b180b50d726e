"""Bookmarks (a sentence with an optional note) and the history of recent positions, in library.db (schema v5).

Qt-free. A bookmark is asked for by the reader, so a write that fails raises StoreError (the window says why).
A history entry is recorded by the app on its own whenever the reader jumps (a seek, another chapter, a find,
±30 s), the position left behind, so they can go back: on a full disk or a read-only folder it is dropped with
one notice, like a reading position. Each book keeps its last HISTORY_KEEP entries.

Both keep the sentence's stable id beside its index: `resolve_index` finds the sentence again when a re-parse
shifted the indices.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from reader_app.store.db import ThreadConnections
from reader_app.store.errors import translated

HISTORY_KEEP = 50  # recent positions kept per book
NOTE_MAX_CHARS = 2000  # a note is a line or a paragraph, not a document


@dataclass(frozen=True)
class Bookmark:
    id: int
    book_id: str
    sentence_index: int  # in reading order across the book
    sentence_id: str | None  # the sentence's stable id (None when not known)
    note: str
    created_at: float  # Unix time


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    book_id: str
    sentence_index: int
    sentence_id: str | None
    at: float  # Unix time the reader jumped away from it


def clean_note(note: str) -> str:
    """One note as stored: control characters (but newlines) dropped, outer blanks stripped, at most
    NOTE_MAX_CHARS characters."""
    kept = "".join(c for c in note if c == "\n" or unicodedata.category(c)[0] != "C")
    return kept.strip()[:NOTE_MAX_CHARS]


def resolve_index(sentence_index: int, sentence_id: str | None, sentence_ids: Sequence[str]) -> int:
    """Where a bookmark or history entry points in a book whose sentences have these ids: the index when its id
    still matches, else the sentence with that id, else the index clamped to the book."""
    if not sentence_ids:
        return 0
    if sentence_id is None or (0 <= sentence_index < len(sentence_ids)
                               and sentence_ids[sentence_index] == sentence_id):
        return min(max(sentence_index, 0), len(sentence_ids) - 1)
    try:
        return list(sentence_ids).index(sentence_id)
    except ValueError:
        return min(max(sentence_index, 0), len(sentence_ids) - 1)


class Bookmarks:
    """The bookmarks and history of every book. Library.bookmarks hands out one; any thread may call it."""

    def __init__(self, conns: ThreadConnections, resolve_book: Callable[[str], str],
                 droppable: Callable[[str], AbstractContextManager[None]]) -> None:
        """resolve_book: a book id or any fingerprint of its files -> the book id; droppable(what): the
        library's guard for writes the app makes on its own."""
        self._conns = conns
        self._resolve = resolve_book
        self._droppable = droppable

    # --- bookmarks ---------------------------------------------------------------------------------------

    def add(self, book_id: str, sentence_index: int, sentence_id: str | None = None, note: str = "") -> Bookmark:
        """A new bookmark (two on one sentence are allowed: they may carry different notes)."""
        book_id = self._resolve(book_id)
        index = _checked_index(sentence_index)
        now = time.time()
        text = clean_note(note)
        with self._conns.write("add a bookmark") as db:
            cursor = db.conn.execute("INSERT INTO bookmarks (book_id, sentence_index, sentence_id, note, created_at) "
                                     "VALUES (?, ?, ?, ?, ?)", (book_id, index, sentence_id, text, now))
            row_id = int(cursor.lastrowid or 0)
        return Bookmark(row_id, book_id, index, sentence_id, text, now)

    def list_for(self, book_id: str) -> list[Bookmark]:
        """A book's bookmarks in reading order (then oldest first)."""
        book_id = self._resolve(book_id)
        with translated("read the bookmarks", self._conns.path):
            rows = self._conns.conn.execute(
                "SELECT id, book_id, sentence_index, sentence_id, note, created_at FROM bookmarks "
                "WHERE book_id = ? ORDER BY sentence_index, created_at, id", (book_id,)).fetchall()
        return [Bookmark(int(r[0]), r[1], int(r[2]), r[3], r[4] or "", float(r[5])) for r in rows]

    def set_note(self, bookmark_id: int, note: str) -> None:
        with self._conns.write("change a bookmark's note") as db:
            db.conn.execute("UPDATE bookmarks SET note = ? WHERE id = ?", (clean_note(note), int(bookmark_id)))

    def delete(self, bookmark_id: int) -> None:
        with self._conns.write("delete a bookmark") as db:
            db.conn.execute("DELETE FROM bookmarks WHERE id = ?", (int(bookmark_id),))

    # --- history -----------------------------------------------------------------------------------------

    def record(self, book_id: str, sentence_index: int, sentence_id: str | None = None,
               at: float | None = None) -> None:
        """The reader jumped away from this sentence. The same sentence as the newest entry only refreshes its
        time; past HISTORY_KEEP entries the oldest go. Dropped with a notice when it cannot be written."""
        book_id = self._resolve(book_id)
        index = _checked_index(sentence_index)
        when = time.time() if at is None else float(at)
        with self._droppable("A position in the history"), self._conns.write("record a position") as db:
            newest = db.conn.execute("SELECT id, sentence_index FROM history WHERE book_id = ? "
                                     "ORDER BY at DESC, id DESC LIMIT 1", (book_id,)).fetchone()
            if newest is not None and int(newest[1]) == index:
                db.conn.execute("UPDATE history SET at = ?, sentence_id = ? WHERE id = ?",
                                (when, sentence_id, newest[0]))
                return
            db.conn.execute("INSERT INTO history (book_id, sentence_index, sentence_id, at) VALUES (?, ?, ?, ?)",
                            (book_id, index, sentence_id, when))
            db.conn.execute("DELETE FROM history WHERE book_id = ? AND id NOT IN (SELECT id FROM history "
                            "WHERE book_id = ? ORDER BY at DESC, id DESC LIMIT ?)",
                            (book_id, book_id, HISTORY_KEEP))

    def history(self, book_id: str, limit: int = HISTORY_KEEP) -> list[HistoryEntry]:
        """Newest first."""
        book_id = self._resolve(book_id)
        with translated("read the history", self._conns.path):
            rows = self._conns.conn.execute(
                "SELECT id, book_id, sentence_index, sentence_id, at FROM history WHERE book_id = ? "
                "ORDER BY at DESC, id DESC LIMIT ?", (book_id, int(limit))).fetchall()
        return [HistoryEntry(int(r[0]), r[1], int(r[2]), r[3], float(r[4])) for r in rows]

    def forget(self, entry_id: int) -> None:
        """One history entry (the reader went back to it)."""
        with self._droppable("A change to the history"), self._conns.write("change the history") as db:
            db.conn.execute("DELETE FROM history WHERE id = ?", (int(entry_id),))

    def clear_history(self, book_id: str) -> None:
        book_id = self._resolve(book_id)
        with self._conns.write("clear the history") as db:
            db.conn.execute("DELETE FROM history WHERE book_id = ?", (book_id,))


def _checked_index(sentence_index: int) -> int:
    index = int(sentence_index)
    if index < 0:
        raise ValueError(f"a sentence index is 0 or more, not {sentence_index}")
    return index
