"""Fixtures: a library in a temporary folder (never the user's data dir), a small book, a read-only folder."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from reader_app.store import Library
from tests.support.books import make_book


@pytest.fixture
def book():
    return make_book()


@pytest.fixture
def library(tmp_path: Path):
    lib = Library(tmp_path / "data")
    yield lib
    lib.close()


def _chmod_tree(folder: Path, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~bits)


@contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """Make `folder` read-only for this process, for real: the kernel refuses the writes.

    Without root, by permissions. As root (permissions do not stop root), by bind-mounting the folder read-only
    onto itself; where mounting is not allowed either (an unprivileged container), the test is skipped."""
    if os.geteuid() != 0:
        _chmod_tree(folder, writable=False)
        try:
            yield
        finally:
            _chmod_tree(folder, writable=True)
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot make a folder read-only as root here (mount: {mounted.stderr.decode().strip()})")
    try:
        remounted = subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True)
        if remounted.returncode != 0:
            pytest.skip(f"cannot remount read-only here: {remounted.stderr.decode().strip()}")
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def read_only() -> Callable[[Path], AbstractContextManager[None]]:
    """read_only(folder): a context in which the folder (and what is below it) cannot be written."""
    return _read_only


@contextmanager
def _small_disk(folder: Path, size_bytes: int) -> Iterator[Path]:
    """A real file system of `size_bytes` at `folder` (tmpfs): writes past it fail with ENOSPC, as on a full disk.
    Needs mount rights (root with CAP_SYS_ADMIN); skipped elsewhere."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(folder)],
                             capture_output=True) if os.geteuid() == 0 else None
    if mounted is None or mounted.returncode != 0:
        pytest.skip("cannot mount a small file system here (needs root with mount rights)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def small_disk() -> Callable[[Path, int], AbstractContextManager[Path]]:
    """small_disk(folder, size_bytes): a context in which `folder` is a file system that size."""
    return _small_disk
