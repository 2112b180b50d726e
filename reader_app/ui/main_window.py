"""The main window: chapters on the left, the text in the middle, the transport at the bottom.

It only arranges widgets and forwards user intent; parsing runs on a worker thread (BookLoader), narration on
the narrator's threads (through NarrationController signals), storage in the core `store` package.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QListWidget, QMainWindow, QMessageBox,
                               QPushButton, QSizePolicy, QSplitter, QStyle, QVBoxLayout, QWidget)

from reader_app.books.model import Book
from reader_app.narration.controller import NarrationController
from reader_app.ui.book_loader import BookLoader
from reader_app.ui.model_notice import ModelNotice
from reader_app.ui.services import AppServices
from reader_app.ui.text_view import SentenceTextView

log = logging.getLogger(__name__)

BOOK_FILTER = "Books (*.epub *.txt);;EPUB (*.epub);;Text (*.txt);;All files (*)"


class MainWindow(QMainWindow):
    def __init__(self, services: AppServices) -> None:
        super().__init__()
        self.services = services
        self.book: Book | None = None
        self.book_id: str | None = None
        self.cache = None
        self._chapter_shown: int | None = None
        self._chapter_starts: list[int] = []  # reading-order index of each chapter's first sentence
        self.controller = NarrationController(self)
        self.loader = BookLoader(self)
        self.setWindowTitle("Reader")
        self.resize(1180, 780)
        self.setAcceptDrops(True)
        self._build_menu()
        self._build_body()
        self._connect()
        self.refresh_model_notice()

    # -- layout ----------------------------------------------------------------------------------------
    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open…", self, shortcut=QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.choose_book)
        file_menu.addAction(self.open_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        settings_menu = self.menuBar().addMenu("&Settings")
        self.choose_model_action = QAction("Choose &model folder…", self)
        self.choose_model_action.triggered.connect(self.choose_model_folder)
        settings_menu.addAction(self.choose_model_action)

    def _build_body(self) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 8)
        self.notice = ModelNotice(central)
        self.notice.chooseFolder.connect(self.choose_model_folder)
        layout.addWidget(self.notice)
        self.book_label = QLabel("Open a book to start (File > Open, or drop an EPUB or TXT file here).")
        self.book_label.setStyleSheet("font-size: 15px; font-weight: 600; padding: 2px 4px;")
        layout.addWidget(self.book_label)
        splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.chapter_list = QListWidget(splitter)
        self.chapter_list.setMinimumWidth(200)
        self.text_view = SentenceTextView(splitter)
        self.text_view.auto_scroll = self.services.settings.auto_scroll
        splitter.addWidget(self.chapter_list)
        splitter.addWidget(self.text_view)
        splitter.setSizes([260, 900])
        layout.addWidget(splitter, 1)
        layout.addLayout(self._build_transport())
        self.setCentralWidget(central)

    def _build_transport(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        style = self.style()
        self.play_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "Play")
        self.play_button.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_button.setMinimumWidth(110)
        self.play_button.setEnabled(False)
        self.position_label = QLabel("")
        self.status_label = QLabel("")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # Long messages must not widen the window; the full text is in the tooltip.
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label.setWordWrap(True)
        bar.addWidget(self.play_button)
        bar.addWidget(self.position_label, 1)
        bar.addWidget(self.status_label, 1)
        return bar

    def _connect(self) -> None:
        self.play_button.clicked.connect(self.toggle_play)
        self.chapter_list.currentRowChanged.connect(self.show_chapter)
        self.text_view.sentenceClicked.connect(self.play_from)
        self.loader.loaded.connect(self._book_loaded)
        self.loader.failed.connect(self._book_failed)
        self.controller.sentenceStarted.connect(self._sentence_started)
        self.controller.stateChanged.connect(self._state_changed)
        self.controller.errorOccurred.connect(self._narration_error)
        self.controller.sentenceSkipped.connect(
            lambda index, message: self.status_label.setText(f"Skipped sentence {index + 1}: {message}"))

    # -- books -------------------------------------------------------------------------------------------
    @Slot()
    def choose_book(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a book", str(Path.home()), BOOK_FILTER)
        if path:
            self.open_book(Path(path))

    def open_book(self, path: Path) -> None:
        self.status_label.setText(f"Opening {path.name}…")
        self.loader.load(path)

    @Slot(object)
    def _book_loaded(self, book: Book) -> None:
        self._close_book()
        services = self.services
        self.book = book
        record = services.library.add_book(book)
        self.book_id = record.id
        services.library.mark_opened(self.book_id)
        self.cache = services.library.open_book_cache(book)
        self.cache.sync_sentences(book)
        self._chapter_starts = []
        count = 0
        for chapter in book.chapters:
            self._chapter_starts.append(count)
            count += len(chapter.sentences)
        self.chapter_list.clear()
        self.chapter_list.addItems([c.title or f"Chapter {c.index + 1}" for c in book.chapters])
        authors = ", ".join(book.metadata.authors)
        self.book_label.setText(f"{book.title}" + (f"  —  {authors}" if authors else ""))
        self.setWindowTitle(f"{book.title} — Reader")
        narrator = self.controller.open(book, self.cache, services.narration_config(book), services.make_output(),
                                        services.engine_provider())
        narrator.player.set_volume(services.settings.volume)
        start = self._restored_index(book)
        narrator.seek(start)
        self._show_sentence(start)
        self.play_button.setEnabled(book.sentence_count() > 0)
        self.status_label.setText(f"{book.sentence_count()} sentences in {len(book.chapters)} chapters")

    def _restored_index(self, book: Book) -> int:
        position = self.services.library.position(self.book_id) if self.book_id else None
        if position is None:
            return 0
        ids = [s.id for s in book.sentences()]
        return ids.index(position.sentence_id) if position.sentence_id in ids else 0

    @Slot(str)
    def _book_failed(self, message: str) -> None:
        self.status_label.setText("Could not open the book.")
        QMessageBox.warning(self, "Could not open the book", message)

    def _close_book(self) -> None:
        self._save_position()
        self.controller.close()
        if self.cache is not None:
            self.cache.close()
            self.cache = None

    def _save_position(self) -> None:
        narrator = self.controller.narrator
        if narrator is None or self.book is None or self.book_id is None:
            return
        from reader_app.store import Position

        sentences = narrator.sentences
        if sentences:
            current = narrator.player.current()
            offset = current[1] if current else 0.0
            self.services.library.save_position(self.book_id, Position(sentences[narrator.cursor].id, offset))

    # -- chapters and sentences -------------------------------------------------------------------------
    def chapter_of(self, index: int) -> int:
        chapter = 0
        for number, start in enumerate(self._chapter_starts):
            if start <= index:
                chapter = number
        return chapter

    @Slot(int)
    def show_chapter(self, chapter_index: int) -> None:
        if self.book is None or not 0 <= chapter_index < len(self.book.chapters):
            return
        if chapter_index != self._chapter_shown:
            self._chapter_shown = chapter_index
            self.text_view.show_chapter(self.book.chapters[chapter_index], self._chapter_starts[chapter_index],
                                        self.services.settings.font_size)
            narrator = self.controller.narrator
            if narrator is not None:
                self.text_view.highlight(narrator.cursor)

    def _show_sentence(self, index: int) -> None:
        chapter = self.chapter_of(index)
        if self.chapter_list.currentRow() != chapter:
            self.chapter_list.setCurrentRow(chapter)  # triggers show_chapter
        self.show_chapter(chapter)
        self.text_view.highlight(index)
        total = self.book.sentence_count() if self.book else 0
        within = index - self._chapter_starts[chapter] + 1 if self._chapter_starts else 0
        if self.book is None:
            return
        current = self.book.chapters[chapter]
        title = current.title or f"Chapter {chapter + 1}"
        self.position_label.setText(f"{title} · sentence {within} of {len(current.sentences)}"
                                    f"  ({index + 1} / {total} in the book)")

    @Slot(int)
    def play_from(self, index: int) -> None:
        narrator = self.controller.narrator
        if narrator is None:
            return
        narrator.play(index)
        self._show_sentence(index)

    @Slot()
    def toggle_play(self) -> None:
        narrator = self.controller.narrator
        if narrator is None:
            return
        if narrator.state in ("playing", "buffering"):
            narrator.pause()
            self._save_position()
        else:
            narrator.play()

    @Slot(int)
    def _sentence_started(self, index: int) -> None:
        self._show_sentence(index)
        if self.book is not None and self.book_id is not None:
            from reader_app.store import Position

            self.services.library.save_position(self.book_id, Position(self.book.sentences()[index].id, 0.0))

    @Slot(str)
    def _state_changed(self, state: str) -> None:
        playing = state in ("playing", "buffering")
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setText("Pause" if playing else "Play")
        labels = {"buffering": "Generating speech…", "finished": "End of book", "paused": "Paused",
                  "playing": "Playing"}
        self.status_label.setText(labels.get(state, ""))

    @Slot(str)
    def _narration_error(self, message: str) -> None:
        self.status_label.setText(message)
        self.status_label.setToolTip(message)
        self.refresh_model_notice()

    # -- model -------------------------------------------------------------------------------------------
    @Slot()
    def choose_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a Qwen3-TTS model folder", str(Path.home()))
        if folder:
            self.set_model_folder(folder)

    def set_model_folder(self, folder: str) -> None:
        try:
            self.services.set_model_path(folder)
        except Exception as exc:  # an invalid folder: say why, keep the old setting
            QMessageBox.warning(self, "Not a usable model folder", str(exc))
            return
        self.refresh_model_notice()
        narrator = self.controller.narrator
        if self.book is not None and narrator is not None:
            narrator.engine_provider = self.services.engine_provider()
            narrator.set_config(self.services.narration_config(self.book))

    def refresh_model_notice(self) -> None:
        problem = self.services.model_problem()
        self.notice.setVisible(problem is not None)
        if problem is not None:
            self.notice.set_problem(problem)

    # -- window events -------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.toLocalFile().lower().endswith((".epub", ".txt")) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.toLocalFile().lower().endswith((".epub", ".txt")):
                self.open_book(Path(url.toLocalFile()))
                break

    def closeEvent(self, event: QCloseEvent) -> None:
        self._close_book()
        self.loader.shutdown()
        super().closeEvent(event)
