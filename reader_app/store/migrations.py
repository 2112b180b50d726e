"""Schema versions: PRAGMA user_version counts the migration steps applied; each step runs in its own transaction.

A step only adds (tables, columns, indexes) or copies data forward, so existing books, positions and clips
survive an upgrade. A database written by a newer app is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlite_utils

from reader_app.store.db import ThreadConnections
from reader_app.store.errors import StoreError, StoreProblem

Step = Callable[[sqlite_utils.Database], None]


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conns: ThreadConnections, steps: Sequence[Step], what: str) -> int:
    """Apply the steps a database lacks; return the version it ends at (len(steps))."""
    current = len(steps)
    found = schema_version(conns.db)
    if found > current:
        raise StoreError(f"{conns.path.name} was written by a newer reader-app ({what} schema v{found}, this app "
                         f"knows v{current}): update the app", StoreProblem.NEWER_VERSION)
    while found < current:
        with conns.write(f"upgrade {what} {conns.path.name} to schema v{found + 1}", setup=True) as db:
            found = schema_version(db)  # another process may have migrated while we waited for the lock
            if found >= current:
                break
            steps[found](db)
            db.conn.execute(f"PRAGMA user_version={found + 1}")
            found += 1
    return current
