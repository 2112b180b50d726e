"""The library's notices: what the user should be told once (a damaged file set aside, a read-only folder, lost
writes), collected from every thread, each kept once and handed out once."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from reader_app.store.errors import StoreProblem
from reader_app.store.records import Notice

log = logging.getLogger("reader_app.store.library")  # the library's notices, logged under its name as before


class NoticeFn(Protocol):
    """How a notice is reported: a Notice, or its reason and message."""

    def __call__(self, reason: StoreProblem | Notice, message: str = "") -> None: ...


class NoticeBoard:
    """Every notice since opening, in order (`notices`); `take()` hands out the ones not taken yet."""

    def __init__(self) -> None:
        self.notices: list[Notice] = []
        self._untaken = 0
        self._lock = threading.Lock()

    def add(self, reason: StoreProblem | Notice, message: str = "") -> None:
        notice = reason if isinstance(reason, Notice) else Notice(reason, message)
        with self._lock:
            if notice in self.notices:
                return
            self.notices.append(notice)
        log.warning("%s", notice.message)

    def take(self) -> list[Notice]:
        with self._lock:
            new = self.notices[self._untaken:]
            self._untaken = len(self.notices)
        return new
