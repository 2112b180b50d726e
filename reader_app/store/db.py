"""One SQLite connection per thread on a database file, WAL mode, and write transactions that never deadlock.

Why per thread: sqlite3 connections must not be shared across threads mid-statement, and the generation worker
writes clips while the player reads them. WAL lets those readers run during a write; BEGIN IMMEDIATE takes the
write lock up front (waiting up to busy_timeout) so a transaction never fails halfway with "database is locked"
when it upgrades from reading to writing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from reader_app.store.errors import StoreError, translated

BUSY_TIMEOUT_MS = 30_000

# sqlite-utils 3.x table methods commit with `with conn:`, which would end our BEGIN IMMEDIATE transactions
# halfway; 4.0 made them nest as savepoints (Database.atomic). Fail at import rather than corrupt atomicity.
if not hasattr(sqlite_utils.Database, "atomic"):
    raise ImportError("reader_app.store needs sqlite-utils >= 4.0 (transaction-safe table methods); "
                      "upgrade it: pip install 'sqlite-utils>=4.0'")


class ThreadConnections:
    """Hands each thread its own sqlite-utils Database on `path`; close() closes them all."""

    def __init__(self, path: Path, *, new_db_pragmas: tuple[str, ...] = ()) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._closed = False
        self._new_db_pragmas = new_db_pragmas
        _ = self.db  # open now, so a bad path or a damaged file fails in the constructor

    @property
    def db(self) -> sqlite_utils.Database:
        if self._closed:
            raise StoreError(f"{self.path.name} is closed")
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._open()
            self._local.db = db
        return db

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def _open(self) -> sqlite_utils.Database:
        with translated(f"open {self.path.name}", self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # check_same_thread=False only so close() may close every thread's connection; each is used by one.
            conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            try:
                conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                is_new = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
                if is_new:
                    for pragma in self._new_db_pragmas:  # e.g. auto_vacuum, which only works before any table
                        conn.execute(f"PRAGMA {pragma}")
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode: a crash of the app never loses a commit; only a power cut may lose the last few.
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute(f"PRAGMA journal_size_limit={8 * 1024 * 1024}")  # shrink the WAL after checkpoints
            except BaseException:
                conn.close()
                raise
        with self._lock:
            # Threads come and go (pools): close what finished threads left behind, or file handles pile up.
            dead = [c for t, c in self._all if not t.is_alive()]
            self._all = [(t, c) for t, c in self._all if t.is_alive()]
            self._all.append((threading.current_thread(), conn))
        for old in dead:
            try:
                old.close()
            except sqlite3.Error:
                pass
        return sqlite_utils.Database(conn)

    @contextmanager
    def write(self, action: str) -> Iterator[sqlite_utils.Database]:
        """A write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back on any error, errors as StoreError."""
        db = self.db
        conn = db.conn
        with translated(action, self.path):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
                conn.execute("COMMIT")
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
            conns, self._all = [c for _t, c in self._all], []
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def open_connections(self) -> int:
        with self._lock:
            return len(self._all)

    @property
    def closed(self) -> bool:
        return self._closed
