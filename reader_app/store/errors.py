"""StoreError and the translation of low-level SQLite/OS failures into one-line messages a user can act on.

Every StoreError carries a `reason` (StoreProblem), so callers can tell a full disk or a read-only folder (keep
playing, nothing new is stored) from a damaged file (set aside, rebuilt) without parsing messages.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

# What reading a damaged file can raise: SQLite's errors, and UnicodeDecodeError when sqlite3 decodes damaged
# text (a schema, an error message quoting it) that is not UTF-8.
READ_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, UnicodeDecodeError)


class StoreProblem(StrEnum):
    DISK_FULL = "disk full"
    READ_ONLY = "read only"
    DAMAGED = "damaged"
    LOCKED = "locked"  # busy in another program for longer than the busy timeout
    NEWER_VERSION = "newer version"  # written by a newer app: refused, never destroyed
    NOT_IN_LIBRARY = "not in library"
    OTHER_BOOK = "other book"  # a cache file that belongs to another book
    CLOSED = "closed"
    MISSING = "missing"
    LOST_WRITES = "lost writes"  # commits the cache file should hold are gone (its -wal was removed)
    OTHER = "other"


class StoreError(Exception):
    """A library or cache operation failed; str() is a one-line message for the user, `reason` what kind."""

    def __init__(self, message: str, reason: StoreProblem = StoreProblem.OTHER) -> None:
        super().__init__(message)
        self.reason = reason


# SQLite reports a write that the OS refused with ENOSPC as SQLITE_FULL, but one refused with EFBIG (a file size
# limit) or a failed fsync/truncate as one of the IOERR codes; those are "disk full" when space or quota is gone.
_IOERR_WRITE_NAMES = ("SQLITE_IOERR_WRITE", "SQLITE_IOERR_TRUNCATE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_SHMSIZE",
                      "SQLITE_IOERR")
_LOW_SPACE_BYTES = 32 * 1024 * 1024
_DAMAGE_NAMES = ("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_CORRUPT_INDEX", "SQLITE_CORRUPT_SEQUENCE",
                 "SQLITE_CORRUPT_VTAB", "SQLITE_IOERR_SHORT_READ")
_READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)


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


def folder_is_read_only(path: Path) -> bool:
    """True when new files cannot be written beside `path`: a read-only mount, or a folder we may not write."""
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return not os.access(folder, os.W_OK)  # root passes this whatever the mode bits: only mounts count then


def is_disk_full(exc: BaseException, path: Path) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL" or "database or disk is full" in str(exc):
        return True
    return name in _IOERR_WRITE_NAMES and _space_exhausted(path)


def classify(exc: BaseException, path: Path) -> StoreProblem:
    """What kind of failure a sqlite3/OS error is, for `path` (the database file it concerns)."""
    if isinstance(exc, UnicodeDecodeError):
        return StoreProblem.DAMAGED
    if is_disk_full(exc, path):
        return StoreProblem.DISK_FULL
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return StoreProblem.LOCKED
    if name in _DAMAGE_NAMES or "malformed" in text or "not a database" in text or "Could not decode to UTF-8" in text:
        return StoreProblem.DAMAGED  # the last: a text column holding bytes no writer of ours stored
    if "FOREIGN KEY constraint failed" in text:  # positions and settings hang off a library entry
        return StoreProblem.NOT_IN_LIBRARY
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return StoreProblem.READ_ONLY
    if isinstance(exc, OSError) and exc.errno in _READ_ONLY_ERRNOS:
        return StoreProblem.READ_ONLY
    if isinstance(exc, FileNotFoundError):
        return StoreProblem.MISSING
    if name.startswith("SQLITE_CANTOPEN") or "unable to open database file" in text:
        if path.is_dir():
            return StoreProblem.DAMAGED  # a folder where the database file should be
        if folder_is_read_only(path):
            return StoreProblem.READ_ONLY
    return StoreProblem.OTHER


def describe(exc: BaseException, action: str, path: Path, reason: StoreProblem | None = None) -> str:
    """One line: what failed, why, and what to do."""
    match reason or classify(exc, path):
        case StoreProblem.DISK_FULL:
            return f"Disk full: could not {action} (free some space or lower the audio cache limit)"
        case StoreProblem.LOCKED:
            return f"Could not {action}: {path.name} is busy in another program (close other copies of the app)"
        case StoreProblem.DAMAGED:
            if path.is_dir():
                return f"Could not {action}: {path} is a folder, not a reader-app database"
            return f"Could not {action}: {path} is damaged or not a reader-app database"
        case StoreProblem.NOT_IN_LIBRARY:
            return f"Could not {action}: the book is not in the library (add it first)"
        case StoreProblem.READ_ONLY:
            return read_only_message(action, path)
    return f"Could not {action}: {exc} ({path})"


def read_only_message(action: str, path: Path) -> str:
    return (f"Could not {action}: {path.parent} is read-only, so nothing new is stored "
            f"(check the folder's permissions or mount)")


@contextmanager
def translated(action: str, path: Path) -> Iterator[None]:
    """Re-raise sqlite3/OS errors inside the block as StoreError with a clear message and its reason."""
    try:
        yield
    except StoreError:
        raise
    except (sqlite3.Error, OSError, UnicodeDecodeError) as exc:
        reason = classify(exc, path)
        raise StoreError(describe(exc, action, path, reason), reason) from exc
