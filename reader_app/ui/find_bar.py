"""Find in book: a bar under the text, and the search itself (every sentence of every chapter)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from reader_app.books.model import Book


def find_in_book(book: Book, query: str, limit: int = 5000) -> list[tuple[int, int]]:
    """(sentence index in reading order, character offset) of each case-insensitive match, in reading order."""
    needle = query.casefold()
    hits: list[tuple[int, int]] = []
    if not needle:
        return hits
    for index, sentence in enumerate(book.sentences()):
        text = sentence.text.casefold()  # casefold keeps lengths for the scripts novels use; close enough here
        start = text.find(needle)
        while start >= 0 and len(hits) < limit:
            hits.append((index, start))
            start = text.find(needle, start + len(needle))
    return hits


class FindBar(QFrame):
    matchChosen = Signal(int, int, int)  # sentence index, offset, length
    closed = Signal()
    playRequested = Signal(int)  # play from the sentence of the current match

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self.book: Book | None = None
        self.hits: list[tuple[int, int]] = []
        self.current = -1
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(QLabel("Find:", self))
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Words in this book")
        self.field.setClearButtonEnabled(True)
        layout.addWidget(self.field, 1)
        self.count = QLabel("", self)
        self.count.setObjectName("muted")
        self.count.setMinimumWidth(90)
        layout.addWidget(self.count)
        for text, tip, slot in (("▲", "Previous match (Shift+Enter)", self.previous),
                                ("▼", "Next match (Enter)", self.next),
                                ("▶", "Read aloud from this match", self._play),
                                ("✕", "Close (Esc)", self.close_bar)):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            layout.addWidget(button)
        self.field.textChanged.connect(self.search)
        self.field.returnPressed.connect(self.next)
        QShortcut(QKeySequence("Shift+Return"), self.field, self.previous)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close_bar)

    def set_book(self, book: Book | None) -> None:
        self.book = book
        self.search(self.field.text())

    def open(self) -> None:
        self.show()
        self.field.setFocus()
        self.field.selectAll()

    def search(self, query: str) -> None:
        self.hits = find_in_book(self.book, query) if self.book is not None else []
        self.current = -1
        if not query:
            self.count.setText("")
        elif not self.hits:
            self.count.setText("no matches")
        else:
            self.next()

    def next(self) -> None:
        self._go(1)

    def previous(self) -> None:
        self._go(-1)

    def _go(self, step: int) -> None:
        if not self.hits:
            return
        self.current = (self.current + step) % len(self.hits)
        self.count.setText(f"{self.current + 1} of {len(self.hits)}")
        index, offset = self.hits[self.current]
        self.matchChosen.emit(index, offset, len(self.field.text()))

    def _play(self) -> None:
        if 0 <= self.current < len(self.hits):
            self.playRequested.emit(self.hits[self.current][0])

    def close_bar(self) -> None:
        self.hide()
        self.closed.emit()
