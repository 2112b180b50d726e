"""One SQLite connection per thread on a database file, WAL mode, and write transactions that never deadlock.

Why per thread: sqlite3 connections must not be shared across threads mid-statement, and the generation worker
writes clips while the player reads them. WAL lets those readers run during a write; BEGIN IMMEDIATE takes the
write lock up front (waiting up to busy_timeout) so a transaction never fails halfway with "database is locked"
when it upgrades from reading to writing.

A file in a folder that cannot be written (a read-only mount, no permission) opens read-only instead of failing:
reads work, every write raises StoreError(reason=READ_ONLY). A -wal file removed while connections are open is
noticed before the next write or new connection, folded into the database through a connection that still has it
open, and every connection is then reopened, so no connection reads pages from a log it does not have.
"""

from __future__ import annotations

import itertools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import sqlite_utils

from reader_app.store.errors import StoreError, StoreProblem, folder_is_read_only, read_only_message, translated

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
_memory_names = itertools.count()

# sqlite-utils 3.x table methods commit with `with conn:`, which would end our BEGIN IMMEDIATE transactions
# halfway; 4.0 made them nest as savepoints (Database.atomic). Fail at import rather than corrupt atomicity.
if not hasattr(sqlite_utils.Database, "atomic"):
    raise ImportError("reader_app.store needs sqlite-utils >= 4.0 (transaction-safe table methods); "
                      "upgrade it: pip install 'sqlite-utils>=4.0'")


class OpenMode(StrEnum):
    READ_WRITE = "read-write"
    READ_ONLY = "read-only"  # mode=ro: the folder cannot be written; an existing -wal is still read
    IMMUTABLE = "immutable"  # no -shm can be made beside it: the main file alone is read
    MEMORY = "memory"  # the file does not exist and cannot be created: an empty database for this run


class ThreadConnections:
    """Hands each thread its own sqlite-utils Database on `path`; close() closes them all."""

    def __init__(self, path: Path, *, new_db_pragmas: tuple[str, ...] = (),
                 on_notice: Callable[[StoreProblem, str], None] | None = None, memory: bool = False) -> None:
        """memory: an in-memory database standing in for `path` (a library in a read-only folder is read into
        one, so the session works and nothing is written); writable like a file."""
        self.path = Path(path)
        self.mode: OpenMode | None = OpenMode.MEMORY if memory else None  # else decided by the first connection
        self._writable_memory = memory
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[_Held] = []
        self._closed = False
        self._new_db_pragmas = new_db_pragmas
        self._on_notice = on_notice or (lambda _reason, message: log.warning("%s", message))
        self._generation = 0  # bumped when every connection must be reopened (a removed -wal)
        self._wal_identity: tuple[int, int] | None = None
        self._memory_uri = f"file:reader-app-{os.getpid()}-{next(_memory_names)}?mode=memory&cache=shared"
        self.created = False  # this open created the file (or the in-memory stand-in)
        _ = self.db  # open now, so a bad path or a damaged file fails in the constructor

    @property
    def db(self) -> sqlite_utils.Database:
        if self._closed:
            raise StoreError(f"{self.path.name} is closed", StoreProblem.CLOSED)
        db: sqlite_utils.Database | None = getattr(self._local, "db", None)
        if db is not None and self._local.generation != self._generation:
            self._forget(db.conn)
            db = None
        if db is None:
            db = self._open()
            self._local.db = db
            self._local.generation = self._generation
        return db

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @property
    def read_only(self) -> bool:
        if self.mode is OpenMode.MEMORY:
            return not self._writable_memory
        return self.mode not in (None, OpenMode.READ_WRITE)

    # --- opening ------------------------------------------------------------------------------------------

    def _open(self) -> sqlite_utils.Database:
        if self.mode is None:
            conn = self._first_connection()
        elif self.mode is OpenMode.MEMORY and not self._all:
            conn = self._connect(OpenMode.MEMORY)
            self.created = True
        else:
            self._check_wal()
            try:
                conn = self._connect(self.mode)
            except StoreError as exc:
                # The log may have gone between the check and this open: save it, then open again.
                if exc.reason is not StoreProblem.DAMAGED or not self._check_wal():
                    raise
                conn = self._connect(self.mode)
        with self._lock:
            # Threads come and go (pools): close what finished threads left behind, or file handles pile up.
            dead = [h.conn for h in self._all if not h.thread.is_alive()]
            self._all = [h for h in self._all if h.thread.is_alive()]
            wal = self._wal_stat() if self.mode is OpenMode.READ_WRITE else None
            self._all.append(_Held(threading.current_thread(), conn, wal))
            if self._wal_identity is None:
                self._wal_identity = wal
            on_another_log = wal is not None and wal != self._wal_identity
        for old in dead:
            _close_quietly(old)
        if on_another_log:  # the log went while this one opened: save it through a connection that has it
            self._check_wal()
        return sqlite_utils.Database(conn)

    def _first_connection(self) -> sqlite3.Connection:
        exists = self.path.exists()
        cannot_write = folder_is_read_only(self.path) or (exists and not os.access(self.path, os.W_OK))
        if exists:
            order = [OpenMode.READ_WRITE, OpenMode.READ_ONLY, OpenMode.IMMUTABLE][1 if cannot_write else 0:]
        else:
            order = [OpenMode.READ_WRITE, OpenMode.MEMORY][1 if cannot_write and self.path.parent.is_dir() else 0:]
        failure: StoreError | None = None
        for mode in order:
            try:
                conn = self._connect(mode)
            except StoreError as exc:
                if exc.reason is not StoreProblem.READ_ONLY or self.path.is_dir():
                    raise
                failure = exc
                continue
            self.mode = mode
            self.created = not exists
            if mode is OpenMode.IMMUTABLE and Path(f"{self.path}-wal").exists():
                self._on_notice(StoreProblem.READ_ONLY, f"{self.path.name}: the latest changes (in its -wal file) "
                                "cannot be read in this read-only folder")
            return conn
        assert failure is not None
        raise failure

    def _connect(self, mode: OpenMode) -> sqlite3.Connection:
        with translated(f"open {self.path.name}", self.path):
            if mode is OpenMode.READ_WRITE:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # check_same_thread=False only so close() may close every thread's connection; each is used by one.
            target, uri = _target(self.path, mode, self._memory_uri)
            conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, uri=uri)
            try:
                conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                is_new = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
                if mode is OpenMode.READ_WRITE:
                    if is_new:
                        for pragma in self._new_db_pragmas:  # e.g. auto_vacuum, which only works before any table
                            conn.execute(f"PRAGMA {pragma}")
                    _enable_wal(conn)
                    # NORMAL in WAL mode: a crash of the app never loses a commit; a power cut may lose the last few.
                    conn.execute("PRAGMA synchronous=NORMAL")
                    conn.execute(f"PRAGMA journal_size_limit={8 * 1024 * 1024}")  # shrink the WAL after checkpoints
                conn.execute("PRAGMA foreign_keys=ON")
            except BaseException:
                conn.close()
                raise
        return conn

    # --- a -wal file removed under open connections -------------------------------------------------------

    def _wal_stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(f"{self.path}-wal")
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _check_wal(self) -> bool:
        """Before a write or a new connection: is the -wal file our open connections use still the one on disk?
        If not, fold it into the main file through a connection opened on it and reopen every connection
        (True). Cheap: one stat."""
        if self.mode is not OpenMode.READ_WRITE:
            return False
        with self._lock:
            current = self._wal_stat()
            if not self._all:
                self._wal_identity = None
                return False
            if self._wal_identity is None:
                self._wal_identity = current  # created by SQLite on first use: the one our connections hold
                return False
            if current == self._wal_identity:
                return False
            removed = self._wal_identity
            me = threading.current_thread()
            keepers = sorted((h for h in self._all if h.wal in (None, removed)), key=lambda h: h.thread is not me)
            saved = False
            for held in keepers:
                try:
                    # The removed log is still open through this connection: fold it into the main file, empty it.
                    held.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                    saved = True
                    break
                except sqlite3.Error as exc:
                    log.warning("could not save the removed write-ahead log of %s: %s", self.path.name, exc)
            self._wal_identity = None
            self._generation += 1  # every thread reopens, so all of them use the log on disk from now on
        what = "what it held was saved into the cache file" if saved else "what it held may be lost"
        self._on_notice(StoreProblem.DAMAGED if saved else StoreProblem.LOST_WRITES,
                        f"{self.path.name}-wal was removed while the app had it open; {what}")
        return True

    def renew_if_stale(self) -> bool:
        """After a read that looked damaged: was it only this thread's connection reading a -wal that was replaced
        meanwhile? Then it is reopened (True) and the read is worth one more try."""
        self._check_wal()
        db = getattr(self._local, "db", None)
        if db is None or self._local.generation == self._generation:
            return False
        self._forget(db.conn)
        return True

    def _forget(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            self._all = [h for h in self._all if h.conn is not conn]
            if not self._all:
                self._wal_identity = None  # the last close may delete the log: a new one is no sign of trouble
        _close_quietly(conn)
        self._local.db = None

    # --- transactions -------------------------------------------------------------------------------------

    @contextmanager
    def write(self, action: str, *, setup: bool = False) -> Iterator[sqlite_utils.Database]:
        """A write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on any error, errors as StoreError.

        setup: creating the tables of an in-memory stand-in (the one write a read-only open allows)."""
        if self.read_only and not (setup and self.mode is OpenMode.MEMORY):  # tables of an empty stand-in
            raise StoreError(read_only_message(action, self.path), StoreProblem.READ_ONLY)
        self._check_wal()
        db = self.db
        conn = db.conn
        with translated(action, self.path):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
                conn.execute("COMMIT")
                if self._wal_identity is None and self.mode is OpenMode.READ_WRITE:
                    with self._lock:  # a new file's log exists from its first commit
                        self._wal_identity = self._wal_identity or self._wal_stat()
            except BaseException:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass  # SQLite already rolled back (e.g. after an I/O error)
                raise

    @contextmanager
    def read(self, action: str) -> Iterator[sqlite_utils.Database]:
        """A consistent snapshot for several SELECTs (one read transaction)."""
        db = self.db
        conn = db.conn
        with translated(action, self.path):
            conn.execute("BEGIN")
            try:
                yield db
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._all = [h.conn for h in self._all], []
        for conn in conns:
            _close_quietly(conn)

    def open_connections(self) -> int:
        with self._lock:
            return len(self._all)

    @property
    def closed(self) -> bool:
        return self._closed


@dataclass
class _Held:
    """An open connection: its thread, and the -wal file (device, inode) it was opened on."""

    thread: threading.Thread
    conn: sqlite3.Connection
    wal: tuple[int, int] | None


def _target(path: Path, mode: OpenMode, memory_uri: str) -> tuple[str, bool]:
    """What sqlite3.connect opens for `mode`: (filename or URI, whether it is a URI)."""
    if mode is OpenMode.READ_WRITE:
        return str(path), False
    if mode is OpenMode.MEMORY:
        return memory_uri, True
    uri = path.absolute().as_uri() + "?mode=ro"
    return (uri + "&immutable=1" if mode is OpenMode.IMMUTABLE else uri), True


def _close_quietly(conn: sqlite3.Connection) -> None:
    try:
        conn.close()
    except sqlite3.Error:
        pass


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, waiting for another process doing the same on a new file: SQLite answers "database is
    locked" at once there, without its busy handler (seen when two pregen processes open a new library)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)

