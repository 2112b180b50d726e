"""The generation queue: books waiting to have their audio made, across several books and across restarts.

Qt-free and thread-free: a list of entries (a book, which chapters, the model and voice to use, how far it got)
kept in its own JSON file beside the library (`generation_queue.json`, written atomically), so a restart picks
it up where it stopped. Who runs the entries, one at a time, and when the open book's playback comes first is
the window's business (ui/generation_queue.py); the generating itself is `Pregenerator`, which skips what is
cached, so an interrupted entry simply runs again.

A file that cannot be used (not JSON, too large, not ours) is moved aside to `generation_queue.json.bad` and
the queue starts empty; an entry that does not parse is dropped. Either way `notice` says so in one line.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from reader_app.jsonfile import JsonFileError, read_json_file, write_json_file

log = logging.getLogger(__name__)

QUEUE_FILE = "generation_queue.json"
FORMAT_VERSION = 1
MAX_ENTRIES = 500  # a queue is a handful of books; more is not a queue we wrote
MAX_FILE_BYTES = 1 << 20


class EntryStatus(StrEnum):
    QUEUED = "queued"  # waiting its turn
    RUNNING = "running"  # being generated now (read back as queued after a restart)
    PAUSED = "paused"  # kept, skipped until resumed
    DONE = "done"  # every sentence of its range is cached (or failed for good)
    FAILED = "failed"  # stopped with a reason (no model, a book that no longer opens, a full disk)


@dataclass(frozen=True)
class QueueEntry:
    id: str
    book_id: str
    path: str  # the book file, as paths.path_to_text keeps it
    title: str
    first_chapter: int = 0
    last_chapter: int | None = None  # inclusive; None: to the book's end
    model_path: str = ""  # the model folder or speech server URL ("" = the one configured when it runs)
    voice_name: str = ""  # "" = the book's own voice
    status: EntryStatus = EntryStatus.QUEUED
    done: int = 0  # sentences (distinct texts) cached, as last reported
    total: int = 0  # 0 while unknown (it has not run yet)
    message: str = ""  # why it failed, or what its last run said

    def chapters(self, chapter_count: int) -> range:
        """The chapter indices this entry covers in a book of `chapter_count` chapters."""
        last = chapter_count - 1 if self.last_chapter is None else min(self.last_chapter, chapter_count - 1)
        return range(min(self.first_chapter, chapter_count), last + 1)

    @property
    def fraction(self) -> float:
        if self.status is EntryStatus.DONE:
            return 1.0
        return self.done / self.total if self.total else 0.0

    @property
    def runnable(self) -> bool:
        return self.status in (EntryStatus.QUEUED, EntryStatus.RUNNING)

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, raw: Any) -> QueueEntry:
        """An entry from its JSON object; ValueError (one line) for anything that is not one."""
        if not isinstance(raw, dict):
            raise ValueError("an entry is not an object")
        text = {"id", "book_id", "path", "title", "model_path", "voice_name", "message"}
        values: dict[str, Any] = {}
        for name in ("id", "book_id", "path", "title", "first_chapter", "last_chapter", "model_path", "voice_name",
                     "status", "done", "total", "message"):
            if name not in raw:
                continue
            value = raw[name]
            if name in text:
                if not isinstance(value, str) or len(value) > 4096:
                    raise ValueError(f"{name} is not text")
            elif name == "status":
                value = EntryStatus(value)  # ValueError names the value
            elif name == "last_chapter" and value is None:
                pass
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} is not a whole number of at least 0")
            values[name] = value
        if not values.get("id") or not values.get("book_id") or not values.get("path"):
            raise ValueError("an entry needs an id, a book id and a path")
        values.setdefault("title", "")
        if values.get("status") is EntryStatus.RUNNING:  # it was interrupted (the app closed): its turn again
            values["status"] = EntryStatus.QUEUED
        return cls(**values)


class GenerationQueue:
    """The entries in order (the first runnable one is next), and the file they are kept in. Every change is
    saved at once; a save that fails (a full disk, a read-only folder) is logged and the queue goes on in memory."""

    def __init__(self, path: Path, entries: list[QueueEntry] | None = None, notice: str = "") -> None:
        self.path = Path(path)
        self._entries: list[QueueEntry] = list(entries or [])
        self.notice = notice  # what loading had to say (a file set aside, entries dropped); "" when nothing
        self.save_error = ""  # the last save that failed, "" once one succeeds

    @classmethod
    def in_folder(cls, folder: Path) -> GenerationQueue:
        return cls.load(Path(folder) / QUEUE_FILE)

    @classmethod
    def load(cls, path: Path) -> GenerationQueue:
        path = Path(path)
        try:
            raw = read_json_file(path, expect=dict, max_bytes=MAX_FILE_BYTES)
        except FileNotFoundError:
            return cls(path)
        except JsonFileError as exc:
            return cls(path, notice=_set_aside(path, str(exc)))
        items = raw.get("entries")
        if not isinstance(items, list):
            return cls(path, notice=_set_aside(path, "it holds no list of entries"))
        entries, dropped, seen = [], [], set()
        for item in items[:MAX_ENTRIES]:
            try:
                entry = QueueEntry.from_json(item)
            except ValueError as exc:
                dropped.append(str(exc))
                continue
            if entry.id not in seen:
                seen.add(entry.id)
                entries.append(entry)
        notice = ""
        if dropped or len(items) > MAX_ENTRIES:
            count = len(dropped) + max(0, len(items) - MAX_ENTRIES)
            notice = f"{count} entr{'y' if count == 1 else 'ies'} of the generation queue could not be read " \
                     f"and {'was' if count == 1 else 'were'} dropped" + (f" ({dropped[0]})" if dropped else "")
            log.warning("%s", notice)
        return cls(path, entries, notice)

    # -- reading ---------------------------------------------------------------------------------------
    @property
    def entries(self) -> list[QueueEntry]:
        return list(self._entries)

    def get(self, entry_id: str) -> QueueEntry | None:
        return next((e for e in self._entries if e.id == entry_id), None)

    def next_runnable(self) -> QueueEntry | None:
        return next((e for e in self._entries if e.runnable), None)

    def __len__(self) -> int:
        return len(self._entries)

    # -- changing (each saves) ----------------------------------------------------------------------------
    def add(self, book_id: str, path: str, title: str, first_chapter: int = 0, last_chapter: int | None = None,
            model_path: str = "", voice_name: str = "") -> QueueEntry:
        """Queue a book's chapters. The same book and range already queued is that entry, queued again if it
        had finished, failed or was paused (with the model and voice given now)."""
        for entry in self._entries:
            if (entry.book_id, entry.first_chapter, entry.last_chapter) == (book_id, first_chapter, last_chapter):
                status = entry.status if entry.status is EntryStatus.RUNNING else EntryStatus.QUEUED
                return self.update(entry.id, status=status, message="", model_path=model_path,
                                   voice_name=voice_name, path=path, title=title)
        entry = QueueEntry(uuid.uuid4().hex[:12], book_id, path, title, first_chapter, last_chapter, model_path,
                           voice_name)
        self._entries.append(entry)
        self.save()
        return entry

    def update(self, entry_id: str, **changes: Any) -> QueueEntry:
        """Replace some fields of an entry (KeyError when there is none with that id)."""
        for i, entry in enumerate(self._entries):
            if entry.id == entry_id:
                self._entries[i] = dataclasses.replace(entry, **changes)
                self.save()
                return self._entries[i]
        raise KeyError(entry_id)

    def remove(self, entry_id: str) -> None:
        self._entries = [e for e in self._entries if e.id != entry_id]
        self.save()

    def remove_book(self, book_id: str) -> None:
        """A book left the library: its entries go with it."""
        self._entries = [e for e in self._entries if e.book_id != book_id]
        self.save()

    def move(self, entry_id: str, step: int) -> None:
        """Move an entry `step` places towards the front (negative) or the back, within the list."""
        index = next((i for i, e in enumerate(self._entries) if e.id == entry_id), None)
        if index is None:
            return
        target = min(max(index + step, 0), len(self._entries) - 1)
        entry = self._entries.pop(index)
        self._entries.insert(target, entry)
        self.save()

    def set_paused(self, entry_id: str, paused: bool) -> QueueEntry:
        entry = self.get(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        if paused and entry.runnable:
            return self.update(entry_id, status=EntryStatus.PAUSED)
        if not paused and entry.status in (EntryStatus.PAUSED, EntryStatus.FAILED):
            return self.update(entry_id, status=EntryStatus.QUEUED, message="")
        return entry

    def clear_finished(self) -> None:
        self._entries = [e for e in self._entries if e.status is not EntryStatus.DONE]
        self.save()

    def save(self) -> None:
        data = {"version": FORMAT_VERSION, "entries": [e.to_json() for e in self._entries]}
        try:
            write_json_file(self.path, data)
        except OSError as exc:
            self.save_error = f"The generation queue could not be saved to {self.path}: {exc.strerror or exc}"
            log.warning("%s", self.save_error)
        else:
            self.save_error = ""


def playback_has_priority(state: str, ready_ahead_s: float, lookahead_s: float, gap_ahead: bool) -> bool:
    """Whether the open book's playback needs the engine now, so the queue waits: it is playing (or waiting for
    audio) and its look-ahead is not full while something ahead of the listener still has to be made."""
    if state == "buffering":
        return True
    return state == "playing" and ready_ahead_s < lookahead_s and gap_ahead


def _set_aside(path: Path, reason: str) -> str:
    bad = path.with_name(path.name + ".bad")
    try:
        os.replace(path, bad)
    except OSError as exc:
        message = f"The generation queue {path} cannot be used ({reason}); it starts empty " \
                  f"(the file could not be set aside: {exc.strerror or exc})"
    else:
        message = f"The generation queue {path} cannot be used ({reason}); it starts empty (the file is kept " \
                  f"as {bad.name})"
    log.warning("%s", message)
    return message
