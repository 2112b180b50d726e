"""StoreError and the translation of low-level SQLite/OS failures into one-line messages a user can act on."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class StoreError(Exception):
    """A library or cache operation failed; str() is a one-line message for the user."""


# SQLite reports a write that the OS refused with ENOSPC as SQLITE_FULL, but one refused with EFBIG (a file size
# limit) or a failed fsync/truncate as one of the IOERR codes; those are "disk full" when space or quota is gone.
_IOERR_WRITE_NAMES = ("SQLITE_IOERR_WRITE", "SQLITE_IOERR_TRUNCATE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_SHMSIZE",
                      "SQLITE_IOERR")
_LOW_SPACE_BYTES = 32 * 1024 * 1024


def _space_exhausted(path: Path) -> bool:
    """True when the filesystem holding `path` is nearly full, or a file-size limit (RLIMIT_FSIZE) is reached."""
    try:
        if shutil.disk_usage(path.parent).free < _LOW_SPACE_BYTES:
            return True
    except OSError:
        pass
    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft == resource.RLIM_INFINITY:
        return False
    for suffix in ("", "-wal", "-journal"):
        try:
            if os.path.getsize(f"{path}{suffix}") + 1024 * 1024 >= soft:
                return True
        except OSError:
            continue
    return False


def is_disk_full(exc: BaseException, path: Path) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL" or "database or disk is full" in str(exc):
        return True
    return name in _IOERR_WRITE_NAMES and _space_exhausted(path)


def describe(exc: BaseException, action: str, path: Path) -> str:
    """One line: what failed, why, and what to do."""
    if is_disk_full(exc, path):
        return f"Disk full: could not {action} (free some space or lower the audio cache limit)"
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name in ("SQLITE_BUSY", "SQLITE_LOCKED") or "database is locked" in str(exc):
        return f"Could not {action}: {path.name} is busy in another program (close other copies of the app)"
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in str(exc) or "not a database" in str(exc):
        return f"Could not {action}: {path} is damaged or not a reader-app database"
    if "FOREIGN KEY constraint failed" in str(exc):  # positions and settings hang off a library entry
        return f"Could not {action}: the book is not in the library (add it first)"
    if name == "SQLITE_READONLY" or isinstance(exc, PermissionError):
        return f"Could not {action}: {path} is read-only (check the folder's permissions)"
    return f"Could not {action}: {exc} ({path})"


@contextmanager
def translated(action: str, path: Path) -> Iterator[None]:
    """Re-raise sqlite3/OS errors inside the block as StoreError with a clear message."""
    try:
        yield
    except StoreError:
        raise
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(describe(exc, action, path)) from exc
