"""Opens a book on a worker thread (parse, then whatever `prepare` does) so a large file never freezes the
window.

What was prepared but never delivered (the window closed first) is closed at shutdown, so no narrator thread
outlives the window.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from reader_app import gc_policy
from reader_app.books.model import Book
from reader_app.books.options import DEFAULT_OPTIONS, ParseOptions


class BookLoader(QObject):
    loaded = Signal(object)  # prepare(book), or the Book itself without prepare
    failed = Signal(str)  # one-line, user-facing

    def __init__(self, parent: QObject | None = None, prepare: Callable[[Book], object] | None = None,
                 options: Callable[[], ParseOptions] | None = None) -> None:
        """options: asked at each load (the settings may have changed since the last book)."""
        super().__init__(parent)
        self._options = options or (lambda: DEFAULT_OPTIONS)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="book-loader")
        self._prepare = prepare
        self._lock = threading.Lock()
        self._unclaimed: list[object] = []
        self._closed = False

    def load(self, path: Path) -> None:
        self._pool.submit(self._parse, Path(path), self._options())

    def _parse(self, path: Path, options: ParseOptions) -> None:
        from reader_app.books import BookError, load_book

        try:
            book = load_book(path, options)
            gc_policy.freeze_long_lived()  # the open book's 10,000s of objects: off full GC passes
            result = self._prepare(book) if self._prepare is not None else book
        except BookError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - whatever a bad file breaks must not take the app down: say so
            self.failed.emit(f"{path.name} could not be opened: {exc}")
        else:
            with self._lock:
                if self._closed:
                    _close(result)
                    return
                self._unclaimed.append(result)
            self.loaded.emit(result)  # queued to the GUI thread

    def claim(self, result: object) -> bool:
        """The window takes ownership of a delivered result; False if shutdown already closed it."""
        with self._lock:
            if result in self._unclaimed:
                self._unclaimed.remove(result)
                return True
            return False

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            leftovers, self._unclaimed = self._unclaimed, []
        for result in leftovers:
            _close(result)
        self._pool.shutdown(wait=False, cancel_futures=True)


def _close(result: object) -> None:
    close = getattr(result, "close", None)
    if callable(close):
        close()
