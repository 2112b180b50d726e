"""The library: every book as a card with its cover, title, author, reading progress and cached audio."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reader_app.narration.timing import TIME_LEFT_SETTING, format_duration
from reader_app.ui.library_card import COVER, LibraryCardDelegate, card_size, generated_cover

BOOK_ROLE = Qt.ItemDataRole.UserRole


def cover_pixmap(cover: bytes | None, title: str, size: QSize = COVER) -> QPixmap:
    """The book's cover scaled to the card, or a plain generated one with the title when it has none."""
    pixmap = QPixmap()
    if cover and pixmap.loadFromData(cover):
        return pixmap.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return generated_cover(title, size)


def describe_cache(seconds: float, size_bytes: int) -> str:
    if seconds <= 0:
        return "no audio yet"
    minutes = seconds / 60
    length = f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min" if minutes >= 1 else f"{seconds:.0f} s"
    return f"{length} audio · {size_bytes / 1e6:.1f} MB"


class LibraryView(QWidget):
    openRequested = Signal(Path)  # a book from the library
    openFileRequested = Signal()  # "Open a book…"
    removeRequested = Signal(str)  # book id
    queueRequested = Signal(str)  # book id: add it to the generation queue (ui/generation_queue.py)

    def __init__(self, library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        header = QHBoxLayout()
        title = QLabel("Library", self)
        title.setObjectName("sectionTitle")
        header.addWidget(title)
        self.summary = QLabel("", self)
        self.summary.setObjectName("muted")
        header.addWidget(self.summary, 1)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setEnabled(False)
        self.open_button = QPushButton("Open a book…", self)
        header.addWidget(self.remove_button)
        header.addWidget(self.open_button)
        layout.addLayout(header)
        self.grid = QListWidget(self)
        self.grid.setObjectName("libraryGrid")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(COVER)
        # Cards of one size on a fixed grid (library_card.py): long titles and authors end in "…", never
        # push a card out of line.
        self.grid.setItemDelegate(LibraryCardDelegate(self.grid))
        self.grid.setUniformItemSizes(True)
        card = card_size(self.grid.font())
        self.grid.setGridSize(QSize(card.width() + 12, card.height() + 12))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        layout.addWidget(self.grid, 1)
        self.empty = QLabel("No books yet. Open an EPUB or TXT file, or drop one on this window.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("muted")
        layout.addWidget(self.empty)
        self.open_button.clicked.connect(self.openFileRequested)
        self.remove_button.clicked.connect(self._remove_selected)
        self.grid.itemActivated.connect(self._open_item)
        self.grid.itemDoubleClicked.connect(self._open_item)
        self.grid.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.grid.selectedItems())))
        self.grid.customContextMenuRequested.connect(self._context_menu)

    def add_section(self, widget: QWidget) -> None:
        """A section below the books (the generation queue)."""
        layout = self.layout()
        assert layout is not None  # set in __init__
        layout.addWidget(widget)

    def refresh(self) -> None:
        self.grid.clear()
        books = self.library.list_books()
        total_s = 0.0
        for record in books:
            stats = self.library.cache_stats(record.id)
            total_s += stats.audio_seconds
            progress = float(self.library.book_setting(record.id, "progress", 0.0) or 0.0)
            authors = ", ".join(record.authors) or "Unknown author"
            cached = describe_cache(stats.audio_seconds, stats.audio_bytes)
            left = self.library.book_setting(record.id, TIME_LEFT_SETTING)  # saved by ui/listening_time.py
            timed = isinstance(left, int | float) and progress < 1
            read = f"{progress:.0%} read · {format_duration(left)} left" if timed else f"{progress:.0%} read"
            text = f"{record.title}\n{authors}\n{read}\n{cached}"
            item = QListWidgetItem(QIcon(cover_pixmap(record.cover, record.title)), text)
            item.setData(BOOK_ROLE, record)
            item.setToolTip(f"{record.title}\n{authors}\n{record.path}")
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.grid.addItem(item)
        self.empty.setVisible(not books)
        self.summary.setText(f"  {len(books)} book{'s' if len(books) != 1 else ''}"
                             + (f" · {describe_cache(total_s, 0).split(' ·')[0]} cached" if total_s else ""))

    def select(self, book_id: str) -> None:
        for i in range(self.grid.count()):
            if self.grid.item(i).data(BOOK_ROLE).id == book_id:
                self.grid.setCurrentRow(i)

    @Slot(QListWidgetItem)
    def _open_item(self, item: QListWidgetItem) -> None:
        self.openRequested.emit(Path(item.data(BOOK_ROLE).path))

    @Slot()
    def _remove_selected(self) -> None:
        for item in self.grid.selectedItems():
            self._confirm_remove(item)

    def _confirm_remove(self, item: QListWidgetItem) -> None:
        record = item.data(BOOK_ROLE)
        answer = QMessageBox.question(self, "Remove book",
                                      f"Remove “{record.title}” from the library and delete its cached audio?\n"
                                      "The book file itself is kept.")
        if answer == QMessageBox.StandardButton.Yes:
            self.removeRequested.emit(record.id)

    @Slot(QPoint)
    def _context_menu(self, point: QPoint) -> None:
        item = self.grid.itemAt(point)
        if item is None:
            return
        menu = QMenu(self)
        menu.addAction("Open", lambda: self._open_item(item))
        menu.addAction("Add to generation queue", lambda: self.queueRequested.emit(item.data(BOOK_ROLE).id))
        menu.addAction("Remove from library…", lambda: self._confirm_remove(item))
        menu.exec(self.grid.mapToGlobal(point))
