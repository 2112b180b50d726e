"""A count of committed clip writes kept outside the database and its -wal, to notice writes that vanished.

SQLite in WAL mode keeps recent commits only in the `-wal` file until a checkpoint folds them into the main file.
If that file is deleted (or replaced by an older copy) and the writer then dies, those commits are gone and the
database is still perfectly consistent: an integrity check cannot tell. So every clip write also bumps a counter
inside its transaction (meta `commits`), and after the commit the same number is written here, in
`<cache>.db-commits`. On the next open, a counter here that is ahead of the one in the database means that many
committed clip writes were lost. The file names the database instance it belongs to (meta `instance`), so a
leftover file beside a new cache is ignored. One small pwrite per clip, no fsync: an app crash keeps it (the page
cache survives), and after a power cut it may lag, which only means fewer lost writes are reported.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = "-commits"
_MAGIC = "reader-app-commits-v1"
_WIDTH = 96  # fixed width: every write overwrites the whole record in place


def ledger_path(db_path: Path) -> Path:
    return Path(f"{db_path}{SUFFIX}")


class CommitLedger:
    def __init__(self, db_path: Path) -> None:
        self.path = ledger_path(db_path)
        self._fd: int | None = None
        self._lock = threading.Lock()
        self._highest = 0

    def read(self) -> tuple[str, int] | None:
        """(instance, commits) recorded last, or None when there is no usable record."""
        try:
            with open(self.path, "rb") as f:
                parts = f.read(_WIDTH).decode("ascii").split()
        except (OSError, UnicodeDecodeError):
            return None
        if len(parts) != 3 or parts[0] != _MAGIC or not parts[2].isdigit():
            return None
        return parts[1], int(parts[2])

    def record(self, instance: str, commits: int, *, force: bool = False) -> None:
        """After a commit: remember that the database holds `commits` clip writes. Best effort."""
        with self._lock:
            if commits <= self._highest and not force:
                return  # another thread's later commit was recorded first
            self._highest = commits
            line = f"{_MAGIC} {instance} {commits}".ljust(_WIDTH - 1) + "\n"
            try:
                if self._fd is None:
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                os.pwrite(self._fd, line.encode("ascii"), 0)
            except OSError as exc:  # a full disk or a read-only folder: the check is then just weaker
                log.debug("commit count of %s not recorded: %s", self.path.name, exc)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                try:
                    os.close(self._fd)
                except OSError:
                    pass
                self._fd = None
