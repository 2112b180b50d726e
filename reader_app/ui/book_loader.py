"""Parses a book on a worker thread so a large file never freezes the window."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Signal


class BookLoader(QObject):
    loaded = Signal(object)  # Book
    failed = Signal(str)  # one-line, user-facing

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="book-loader")

    def load(self, path: Path) -> None:
        self._pool.submit(self._parse, Path(path))

    def _parse(self, path: Path) -> None:
        from reader_app.books import BookError, load_book

        try:
            book = load_book(path)
        except BookError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # never let a bad file take the app down
            self.failed.emit(f"{path.name} could not be read: {exc}")
        else:
            self.loaded.emit(book)  # queued to the GUI thread

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
