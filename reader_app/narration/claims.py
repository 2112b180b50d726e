"""Who is synthesizing which clip of a book right now, across threads and processes, so that two workers on one
book (two `pregen` runs, `pregen` beside `play`, the window's generation bar beside its narrator) never
generate the same clip twice.

A worker claims a clip's digest before synthesizing it and releases the claim once the clip is stored (or given
up); a digest claimed by someone else is left to them, and looked for in the store later. Across processes a
claim is a POSIX record lock (fcntl.lockf) on one byte of one lock file per book cache, at an offset taken from
the digest: the OS drops it when its process dies, so a crash or SIGKILL leaves no stale claim, and nothing is
ever written to the store for it. Record locks belong to a process, not to a thread (and closing any descriptor
of the file would drop them all), so each process keeps one descriptor per lock file for its lifetime and
arbitrates its own threads with a table under a lock.

Whole-file lock libraries (filelock, portalocker) would need one lock file per clip; one file with byte-range
locks needs no clean-up. Where fcntl does not exist (Windows) claims hold within the process only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

from reader_app import paths

log = logging.getLogger(__name__)

_OFFSET_HEX_DIGITS = 12  # 48 bits of the digest pick the locked byte: collisions are negligible


class ClipClaims:
    """Claims on the clips of one book cache. Use claims_for(cache_path): one instance per cache per process."""

    def __init__(self, lock_file: Path | None) -> None:
        """lock_file: shared with other processes; None: this process only."""
        self._lock = threading.Lock()
        self._held: set[str] = set()
        self._fd: int | None = None
        if lock_file is not None and sys.platform != "win32":
            try:
                lock_file.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:  # e.g. a read-only cache folder: other processes are simply not told
                log.info("clip claims within this process only (%s: %s)", lock_file, exc)

    def try_claim(self, digest: str) -> bool:
        """True when the caller now holds the claim on `digest`; False when another worker does."""
        with self._lock:
            if digest in self._held:
                return False
            if self._fd is not None and not self._lock_byte(digest):
                return False
            self._held.add(digest)
            return True

    def claim(self, digests: Iterable[str]) -> tuple[list[str], list[str]]:
        """(claimed, held elsewhere), each in the order given."""
        claimed: list[str] = []
        elsewhere: list[str] = []
        for digest in digests:
            (claimed if self.try_claim(digest) else elsewhere).append(digest)
        return claimed, elsewhere

    def release(self, digests: Iterable[str]) -> None:
        with self._lock:
            for digest in digests:
                if digest in self._held:
                    self._held.discard(digest)
                    if self._fd is not None:
                        self._unlock_byte(digest)

    def held_elsewhere(self, digest: str) -> bool:
        """Someone else is synthesizing it now (a probe: claims and releases at once)."""
        if not self.try_claim(digest):
            return True
        self.release([digest])
        return False

    def _lock_byte(self, digest: str) -> bool:
        import fcntl

        assert self._fd is not None
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _offset(digest), os.SEEK_SET)
        except OSError:  # EAGAIN / EACCES: another process holds it
            return False
        return True

    def _unlock_byte(self, digest: str) -> None:
        import fcntl

        assert self._fd is not None
        fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, _offset(digest), os.SEEK_SET)


def _offset(digest: str) -> int:
    try:
        return int(digest[:_OFFSET_HEX_DIGITS], 16)
    except ValueError:  # not hex (a test's digest): any stable number will do
        return int(hashlib.sha256(digest.encode()).hexdigest()[:_OFFSET_HEX_DIGITS], 16)


_registry: dict[str, ClipClaims] = {}
_registry_lock = threading.Lock()


def claims_for(cache_path: Path) -> ClipClaims:
    """The process's claims on the clips of the book cache at `cache_path` (one instance per file, shared by every
    narrator and pregeneration of that book in this process)."""
    key = os.path.realpath(cache_path)
    with _registry_lock:
        claims = _registry.get(key)
        if claims is None:
            name = hashlib.sha256(os.fsencode(key)).hexdigest()[:32] + ".lock"
            claims = _registry[key] = ClipClaims(paths.claims_dir() / name)
        return claims
