"""Opening a book's cache for the library, mending it on the way: a cache flagged as damaged while it was last
open is repaired first, another book's cache in its place is set aside, a damaged one (found by opening, by the
probe or by syncing the sentences) is repaired and opened again. In a read-only folder nothing is mended."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reader_app.books.model import Book
from reader_app.store.book_cache import BookCache
from reader_app.store.damage import set_aside
from reader_app.store.errors import StoreError, StoreProblem
from reader_app.store.notices import NoticeFn


def repair_key(book_id: str) -> str:
    """The app setting that flags a book's cache for repair at its next open."""
    return f"cache.needs_repair.{book_id}"


def repair_and_tell(path: Path, book_id: str, title_of: Callable[[], str | None], notice: NoticeFn) -> None:
    """Repair the cache at `path` (intact clips kept, or set aside and begun anew), with one notice naming the
    book by its title (`title_of()`, None when the library does not list it)."""
    from reader_app.store.repair import repair_cache

    report = repair_cache(path, book_id)
    title = title_of()
    shown = repr(title) if title is not None else path.name
    notice(StoreProblem.DAMAGED, f"The audio cache of {shown} was damaged: {report.summary(named=False)}")


@dataclass
class MendingOpener:
    """Opens the cache at `path` with `wired` (the cache with the library's limit, window and callbacks)."""

    path: Path
    wired: Callable[[], BookCache]
    repair: Callable[[], None]  # repairs the file at `path` and clears its flag
    needs_repair: Callable[[], bool]  # flagged as damaged while it was last open?
    read_only: bool
    notice: NoticeFn

    def open_synced(self, book: Book) -> BookCache:
        """The cache, its sentences in sync with `book`."""
        cache = self.open()
        try:
            cache.sync_sentences(book)
        except StoreError as exc:
            cache.close()
            if exc.reason is not StoreProblem.DAMAGED or cache.read_only:
                raise
            self.repair()
            cache = self.open()
            try:
                cache.sync_sentences(book)
            except BaseException:
                cache.close()
                raise
        return cache

    def open(self) -> BookCache:
        path = self.path
        if path.exists() and self.needs_repair() and not self.read_only:
            self.repair()  # damage was found while it was last open
        try:
            cache = self.wired()
        except StoreError as exc:
            if exc.reason is StoreProblem.OTHER_BOOK and not self.read_only:
                # Another book's cache (copied there, or a damaged book id) where this one's should be.
                aside = set_aside(path)
                self.notice(StoreProblem.DAMAGED, f"{path.name} held the cache of another book: set aside as "
                            f"{aside.name}; a new cache takes its place")
                return self.wired()
            if exc.reason is not StoreProblem.DAMAGED or self.read_only:
                raise
            self.repair()
            return self.wired()
        if cache.read_only:
            return cache  # damage in a read-only folder cannot be mended: what is intact plays
        try:
            if cache.damaged:
                raise StoreError("damaged", StoreProblem.DAMAGED)
            cache.probe()
        except StoreError as exc:
            if exc.reason is not StoreProblem.DAMAGED:
                cache.close()
                raise
            cache.close()
            self.repair()
            return self.wired()
        return cache
