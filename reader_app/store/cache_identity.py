"""A cache file's identity and the guard against a lost -wal file: a new file gets its instance id (and book id)
in the main file at once; an existing one compares its commit count with the ledger (commit_log) and, when
commits are missing (the -wal was removed or replaced), counts them in meta and tells the user once."""

from __future__ import annotations

import time
import uuid

from reader_app.store.cache_base import CacheBase
from reader_app.store.errors import StoreProblem


class CacheIdentity(CacheBase):
    """Lays down a cache file's identity when it is opened; notices the commits a lost -wal took."""

    def _lay_down_identity(self, book_id: str | None, recorded: tuple[str, int] | None) -> None:
        """Give a new file its instance id (and book id) in the main file; notice commits lost with a -wal."""
        instance = self.meta("instance")
        if instance is None:
            with self._conns.write(f"write {self.path.name}") as db:  # once, if two processes create it together
                if db.conn.execute("SELECT 1 FROM meta WHERE key = 'instance'").fetchone() is None:
                    values = {"instance": uuid.uuid4().hex, "commits": "0"}
                    if book_id is not None:
                        values["book_id"] = book_id
                    db.table("meta").upsert_all([{"key": k, "value": v} for k, v in values.items()], pk="key")
            self.checkpoint()  # into the main file now: a -wal lost later cannot take the file's identity with it
            return
        if book_id is not None:
            self._set_meta({"book_id": book_id})
        commits = int(self.meta("commits") or 0)
        if recorded is None or recorded[0] != instance or recorded[1] <= commits:
            return
        lost = recorded[1] - commits
        before = int(self.meta("lost_commits") or 0)
        self._set_meta({"lost_commits": str(before + lost), "lost_at": str(time.time())})
        self._ledger.record(instance, commits, force=True)
        self._notice(StoreProblem.LOST_WRITES,
                     f"{lost} audio clip(s) stored for {self._title()!r} were lost: the cache's -wal file was "
                     f"removed or replaced before they reached {self.path.name}; they will be generated again")
