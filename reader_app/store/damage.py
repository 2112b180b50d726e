"""Setting a damaged database file aside: renamed beside itself (never deleted), so a new one can take its place.

`books/<id>.db` becomes `books/<id>.db.damaged` (or `.damaged.2`, `.damaged.3`, ... when that name is taken); its
-wal and -shm files move with it, so the set-aside copy opens as it was (for a manual rescue with sqlite3's
`.recover`). Nothing the app lists or opens ends in `.damaged`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from reader_app.store.commit_log import ledger_path
from reader_app.store.errors import translated

log = logging.getLogger(__name__)

DAMAGED_SUFFIX = ".damaged"
SIDE_FILES = ("-wal", "-shm")


def free_damaged_name(path: Path) -> Path:
    candidate = path.with_name(path.name + DAMAGED_SUFFIX)
    n = 2
    while candidate.exists() or Path(f"{candidate}-wal").exists():
        candidate = path.with_name(f"{path.name}{DAMAGED_SUFFIX}.{n}")
        n += 1
    return candidate


def set_aside(path: Path) -> Path:
    """Rename `path` (a file or a folder in its place) and its -wal/-shm out of the way; returns the new name."""
    target = free_damaged_name(path)
    with translated(f"set the damaged {path.name} aside", path):
        for suffix in SIDE_FILES:
            side = Path(f"{path}{suffix}")
            if side.exists():
                os.replace(side, f"{target}{suffix}")
        os.replace(path, target)
    ledger_path(path).unlink(missing_ok=True)  # it counted the writes of the file just set aside
    log.warning("set the damaged %s aside as %s", path, target.name)
    return target
