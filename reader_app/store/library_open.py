"""Opening library.db: migrated and probed; rebuilt when it is damaged (or a read after opening found damage, noted
for the next start); read into memory when its folder is read-only. Never raises for damage; each such event is
one notice. A library written by a newer app is refused (StoreError, reason NEWER_VERSION), never touched."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from reader_app.store.damage import set_aside
from reader_app.store.db import ThreadConnections
from reader_app.store.errors import StoreError, StoreProblem, folder_is_read_only, translated
from reader_app.store.library_rebuild import RebuildReport, adopt_caches, salvage_library
from reader_app.store.maintenance import connect_read_only, probe
from reader_app.store.migrations import migrate, schema_version
from reader_app.store.notices import NoticeFn
from reader_app.store.schema import LIBRARY_STEPS

log = logging.getLogger(__name__)

REBUILD_KEY = "library.needs_rebuild"  # set when a read found damage the opening probe did not


def open_library(path: Path, books_dir: Path, data_dir: Path, notice: NoticeFn) -> tuple[ThreadConnections, bool]:
    """The connections to library.db at `path`, and whether it lives in memory (a read-only folder)."""
    opening = _Opening(path, books_dir, data_dir, notice)
    conns = opening.open()
    return conns, opening.read_only


def rebuild_next_time(conns: ThreadConnections, path: Path) -> None:
    """Damage found after opening: rebuild at the next start (now, other threads hold connections)."""
    try:
        with conns.write("note the damage") as db:
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, 'true')", [REBUILD_KEY])
    except StoreError as exc:
        log.warning("%s", exc)
        try:
            rebuild_marker(path).touch()
        except OSError as error:
            log.warning("could not note that %s needs rebuilding: %s", path.name, error)


def rebuild_marker(path: Path) -> Path:
    """The file that says library.db needs rebuilding, when not even that could be written into it."""
    return path.with_name(path.name + ".rebuild")


class _Opening:
    def __init__(self, path: Path, books_dir: Path, data_dir: Path, notice: NoticeFn) -> None:
        self.path = path
        self.books_dir = books_dir
        self.data_dir = data_dir
        self._notice = notice
        self.read_only = False  # the folder cannot be written: the library lives in memory for this session

    def open(self) -> ThreadConnections:
        if _cannot_write(self.path):
            return self._open_in_memory()
        try:
            conns, was_empty = self._connect()
        except StoreError as exc:
            if exc.reason is StoreProblem.READ_ONLY:
                return self._open_in_memory()
            if exc.reason is not StoreProblem.DAMAGED:
                raise
            return self._rebuild_damaged()
        marker = rebuild_marker(self.path)
        if marker.exists() or _needs_rebuild(conns):  # a read found damage last time (covers, say): rebuild now
            conns.close()
            rebuilt = self._rebuild_damaged()
            marker.unlink(missing_ok=True)
            return rebuilt
        if was_empty:
            report = RebuildReport()
            adopt_caches(conns, self.books_dir, report)
            if report.books_from_caches:
                self._notice(StoreProblem.DAMAGED, f"The library ({self.path}) was missing or empty: "
                             f"{report.describe()} (reading positions start at the beginning)")
        return conns

    def _connect(self) -> tuple[ThreadConnections, bool]:
        """Open library.db, migrate it and read every table once; (connections, whether it was new or empty)."""
        conns = ThreadConnections(self.path, on_notice=self._notice)
        try:
            was_empty = schema_version(conns.db) == 0
            migrate(conns, LIBRARY_STEPS, "library")
            with translated(f"read {self.path.name}", self.path):
                probe(conns.conn, LIBRARY_STEPS)
        except BaseException:
            conns.close()
            raise
        return conns, was_empty

    def _rebuild_damaged(self) -> ThreadConnections:
        try:
            aside = set_aside(self.path)
        except StoreError as exc:
            if exc.reason is StoreProblem.MISSING:  # another copy of the app set it aside first and rebuilds it
                return self._connect()[0]
            if exc.reason is not StoreProblem.READ_ONLY:
                raise
            return self._open_in_memory()
        conns, _new = self._connect()
        report = RebuildReport()
        salvage_library(conns, aside, report)
        adopt_caches(conns, self.books_dir, report)
        self._notice(StoreProblem.DAMAGED, f"The library ({self.path.name}) was damaged and has been rebuilt: "
                     f"{report.describe()}; the damaged file is kept as {aside.name}")
        return conns

    def _open_in_memory(self) -> ThreadConnections:
        """A read-only folder: the library is read into memory (so this session works), nothing is written."""
        self.read_only = True
        conns = ThreadConnections(self.path, on_notice=self._notice, memory=True)
        report = RebuildReport()
        copied = False
        if self.path.is_file():
            try:
                source = connect_read_only(self.path)
                try:
                    source.backup(conns.conn)
                    copied = True
                finally:
                    source.close()
            except (sqlite3.Error, UnicodeDecodeError) as exc:
                log.warning("could not read %s: %s", self.path, exc)
        try:
            migrate(conns, LIBRARY_STEPS, "library")
            with translated(f"read {self.path.name}", self.path):
                probe(conns.conn, LIBRARY_STEPS)
        except StoreError as exc:
            if exc.reason is StoreProblem.NEWER_VERSION:
                conns.close()
                raise
            copied = False  # damaged: what can be read is salvaged below
        if not copied:
            conns.close()
            conns = ThreadConnections(self.path, on_notice=self._notice, memory=True)
            migrate(conns, LIBRARY_STEPS, "library")
            if self.path.exists():
                salvage_library(conns, self.path, report)
        adopt_caches(conns, self.books_dir, report)
        self._notice(StoreProblem.READ_ONLY, f"The library folder {self.data_dir} is read-only: cached audio plays, "
                     "but nothing new is stored (no new audio, reading positions or settings)")
        return conns


def _needs_rebuild(conns: ThreadConnections) -> bool:
    with translated("read the library", conns.path):
        return conns.conn.execute("SELECT 1 FROM settings WHERE key = ?", (REBUILD_KEY,)).fetchone() is not None


def _cannot_write(path: Path) -> bool:
    """Is `path` (or the folder it would be created in) in a read-only place?"""
    if path.exists():
        return not path.is_dir() and (folder_is_read_only(path) or not os.access(path, os.W_OK))
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder_is_read_only(folder / path.name)
