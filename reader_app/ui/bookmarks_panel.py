"""Bookmarks and the history of recent positions: a panel docked beside the page, with two tabs.

"Add bookmark…" (Ctrl+B) asks for an optional note and marks the sentence being heard; each bookmark is listed
with its chapter, the start of its sentence and its note, to jump to or delete. The history lists the places the
reader jumped away from (a seek, another chapter, a find, ±30 s: PlaybackController.jumped), newest first, so
they can go back; going back is a jump too, so the way forward is kept. Storage: reader_app/store/bookmarks.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reader_app.store.bookmarks import Bookmark, HistoryEntry, resolve_index
from reader_app.store.errors import StoreError
from reader_app.ui.book_session import OpenedBook
from reader_app.ui.playback import PlaybackController
from reader_app.ui.reading_view import ReadingView
from reader_app.ui.services import AppServices

ENTRY_ROLE = Qt.ItemDataRole.UserRole
SNIPPET_CHARS = 60


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of a sentence, cut at a word, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(",;:") + "…"


def ago(then: float, now: float | None = None) -> str:
    seconds = max((time.time() if now is None else now) - then, 0.0)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return time.strftime("%d %b %Y", time.localtime(then))


def ask_note(parent: QWidget, about: str) -> str | None:
    """The note for a new bookmark ('' for none), or None when cancelled (tests replace this)."""
    note, ok = QInputDialog.getText(parent, "Add bookmark", f"Note for “{about}” (optional):")
    return note if ok else None


class BookmarksPanel(QDockWidget):
    def __init__(self, window: QMainWindow, services: AppServices, playback: PlaybackController,
                 reading_view: ReadingView, current: Callable[[], OpenedBook | None]) -> None:
        super().__init__("Bookmarks and history", window)
        self.setObjectName("bookmarksPanel")
        self.services = services
        self.playback = playback
        self.reading_view = reading_view
        self._current = current
        self._ids: list[str] = []  # sentence ids of the open book, for entries a re-parse shifted
        self._hints: dict[QListWidget, QLabel] = {}
        self.tabs = QTabWidget(self)
        self.bookmark_list = QListWidget(self)
        self.history_list = QListWidget(self)
        for listing in (self.bookmark_list, self.history_list):
            listing.setWordWrap(True)
            listing.setAlternatingRowColors(True)  # entries are two or three lines: keep them apart
            listing.setSpacing(2)
        self.go_button = QPushButton("Go to", self)
        self.delete_button = QPushButton("Delete", self)
        self.back_button = QPushButton("Go back there", self)
        self.clear_button = QPushButton("Clear history", self)
        self.tabs.addTab(self._page(self.bookmark_list, "No bookmarks yet: Ctrl+B marks the sentence being read.",
                                    self.go_button, self.delete_button), "Bookmarks")
        self.tabs.addTab(self._page(self.history_list, "Places you jumped away from appear here.",
                                    self.back_button, self.clear_button), "History")
        self.setWidget(self.tabs)
        self.setMinimumWidth(280)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self)
        self.hide()
        self.bookmark_list.itemActivated.connect(self._jump_to_item)
        self.history_list.itemActivated.connect(self._jump_to_item)
        self.go_button.clicked.connect(lambda: self._jump_to_item(self.bookmark_list.currentItem()))
        self.back_button.clicked.connect(lambda: self._jump_to_item(self.history_list.currentItem()))
        self.delete_button.clicked.connect(self.delete_selected)
        self.clear_button.clicked.connect(self.clear_history)
        playback.jumped.connect(self.record_jump)

    def _page(self, listing: QListWidget, empty: str, *buttons: QPushButton) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(6, 6, 6, 6)
        hint = QLabel(empty, page)
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        self._hints[listing] = hint  # shown while the list is empty
        layout.addWidget(hint)
        layout.addWidget(listing, 1)
        row = QHBoxLayout()
        for button in buttons:
            row.addWidget(button)
        layout.addLayout(row)
        return page

    # -- the book --------------------------------------------------------------------------------------
    def book_changed(self) -> None:
        opened = self._current()
        self._ids = [s.id for s in opened.book.sentences()] if opened is not None else []
        self.refresh()

    def _text(self, index: int) -> str:
        opened = self._current()
        if opened is None or not self._ids:
            return ""
        view = self.reading_view
        chapter = view.chapter_of(index)
        return opened.book.chapters[chapter].sentences[index - view.chapter_starts[chapter]].text

    def _describe(self, index: int) -> str:
        view = self.reading_view
        return f"{view.chapter_title(view.chapter_of(index))} · “{snippet(self._text(index))}”"

    def refresh(self) -> None:
        self.refresh_bookmarks()
        self.refresh_history()

    def refresh_bookmarks(self) -> None:
        self.bookmark_list.clear()
        opened = self._current()
        try:
            marks = self.services.library.bookmarks.list_for(opened.book_id) if opened and self._ids else []
        except StoreError as exc:
            self.playback.show_problem(f"Could not read the bookmarks: {exc}")
            marks = []
        for mark in marks:
            index = self._index_of(mark)
            lines = [self._describe(index)] + ([mark.note] if mark.note else [])
            self._add_item(self.bookmark_list, "\n".join(lines), mark,
                           f"Sentence {index + 1} · added {ago(mark.created_at)}")
        self._hints[self.bookmark_list].setVisible(not marks)

    def refresh_history(self) -> None:
        self.history_list.clear()
        opened = self._current()
        try:
            history = self.services.library.bookmarks.history(opened.book_id) if opened and self._ids else []
        except StoreError as exc:
            self.playback.show_problem(f"Could not read the history: {exc}")
            history = []
        for entry in history:
            index = self._index_of(entry)
            self._add_item(self.history_list, f"{self._describe(index)}\n{ago(entry.at)}", entry,
                           f"Sentence {index + 1}")
        self._hints[self.history_list].setVisible(not history)

    @staticmethod
    def _add_item(listing: QListWidget, text: str, entry: Bookmark | HistoryEntry, tip: str) -> None:
        item = QListWidgetItem(text)
        item.setData(ENTRY_ROLE, entry)
        item.setToolTip(tip)
        listing.addItem(item)

    def _index_of(self, entry: Bookmark | HistoryEntry) -> int:
        return resolve_index(entry.sentence_index, entry.sentence_id, self._ids)

    # -- intent ----------------------------------------------------------------------------------------
    @Slot()
    def add_bookmark(self) -> None:
        opened, narrator = self._current(), self.playback.narrator
        if opened is None or narrator is None or not self._ids:
            return
        index = narrator.cursor
        note = ask_note(self.window(), snippet(self._text(index), 40))
        if note is None:
            return
        try:
            self.services.library.bookmarks.add(opened.book_id, index, self._ids[index], note)
        except StoreError as exc:
            self.playback.show_problem(f"Bookmark not added: {exc}")
            return
        self.refresh_bookmarks()
        self.playback.say(f"Bookmark added at sentence {index + 1}")

    def show_tab(self, tab: int) -> None:
        """0: bookmarks, 1: history."""
        self.refresh()
        self.tabs.setCurrentIndex(tab)
        self.show()
        self.raise_()

    @Slot(int, int)
    def record_jump(self, old: int, _new: int) -> None:
        opened = self._current()
        if opened is None or not 0 <= old < len(self._ids):
            return
        self.services.library.bookmarks.record(opened.book_id, old, self._ids[old])  # a failure: one notice
        if self.isVisible():
            self.refresh_history()

    @Slot(QListWidgetItem)
    def _jump_to_item(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        self.playback.go_to(self._index_of(item.data(ENTRY_ROLE)))

    @Slot()
    def delete_selected(self) -> None:
        item = self.bookmark_list.currentItem()
        if item is None:
            return
        try:
            self.services.library.bookmarks.delete(item.data(ENTRY_ROLE).id)
        except StoreError as exc:
            self.playback.show_problem(f"Bookmark not deleted: {exc}")
        self.refresh()

    @Slot()
    def clear_history(self) -> None:
        opened = self._current()
        if opened is None:
            return
        try:
            self.services.library.bookmarks.clear_history(opened.book_id)
        except StoreError as exc:
            self.playback.show_problem(f"History not cleared: {exc}")
        self.refresh()
