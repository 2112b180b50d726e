"""The reading view: the chapter sidebar, the page with the sentence being heard highlighted, and find."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from reader_app.books.model import Book
from reader_app.ui.find_bar import FindBar
from reader_app.ui.text_view import SentenceTextView
from reader_app.ui.voice_chooser import VoiceChooser


class ReadingView(QWidget):
    sentenceClicked = Signal(int)
    chapterChosen = Signal(int)  # the reader picked a chapter in the sidebar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.book: Book | None = None
        self.chapter_starts: list[int] = []  # reading-order index of each chapter's first sentence
        self._chapter_shown: int | None = None
        self.font_size = 15
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 4)
        header = QHBoxLayout()
        self.title_label = QLabel("", self)
        self.title_label.setObjectName("bookTitle")
        self.author_label = QLabel("", self)
        self.author_label.setObjectName("muted")
        header.addWidget(self.title_label)
        header.addWidget(self.author_label, 1)
        header.addWidget(QLabel("Voice:", self))
        self.voice = VoiceChooser(self)
        header.addWidget(self.voice)
        layout.addLayout(header)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.chapter_list = QListWidget(splitter)
        self.chapter_list.setObjectName("chapterList")
        self.chapter_list.setMinimumWidth(190)
        page = QWidget(splitter)
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        self.text_view = SentenceTextView(page)
        self.find_bar = FindBar(page)
        self.find_bar.hide()
        page_layout.addWidget(self.text_view, 1)
        page_layout.addWidget(self.find_bar)
        # Floats over the page's corner while the reader looks elsewhere; a row would reflow the text.
        self.back_to_voice = QPushButton("Back to the voice", self.text_view)
        self.back_to_voice.setObjectName("backToVoice")
        self.back_to_voice.setToolTip("Show the sentence being read and follow the voice again")
        self.back_to_voice.setCursor(Qt.CursorShape.PointingHandCursor)
        self.back_to_voice.hide()
        self.text_view.installEventFilter(self)
        splitter.addWidget(self.chapter_list)
        splitter.addWidget(page)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([250, 900])
        layout.addWidget(splitter, 1)
        self.chapter_list.currentRowChanged.connect(self._row_changed)
        # Before the forwarding below: the voice is sent where the reader looks, so the page follows it again.
        self.text_view.sentenceClicked.connect(self._voice_sent_here)
        self.find_bar.playRequested.connect(self._voice_sent_here)
        self.text_view.sentenceClicked.connect(self.sentenceClicked)
        self.find_bar.matchChosen.connect(self._show_match)
        self.find_bar.playRequested.connect(self.sentenceClicked)
        self.text_view.scrolledByHand.connect(self.pause_following)
        self.back_to_voice.clicked.connect(self.follow_voice)
        self.find_bar.closed.connect(self.text_view.clear_found)

    def set_book(self, book: Book) -> None:
        self.book = book
        self._chapter_shown = None
        self.chapter_starts = []
        count = 0
        for chapter in book.chapters:
            self.chapter_starts.append(count)
            count += len(chapter.sentences)
        self.chapter_list.blockSignals(True)
        self.chapter_list.clear()
        self.chapter_list.addItems([c.title or f"Chapter {c.index + 1}" for c in book.chapters])
        self.chapter_list.blockSignals(False)
        self.title_label.setText(book.title)
        authors = ", ".join(book.metadata.authors)
        self.author_label.setText(f"  {authors}" if authors else "")
        self._set_following(True)
        self.find_bar.set_book(book)

    def chapter_of(self, index: int) -> int:
        chapter = 0
        for number, start in enumerate(self.chapter_starts):
            if start <= index:
                chapter = number
        return chapter

    def chapter_title(self, chapter: int) -> str:
        return self.book.chapters[chapter].title or f"Chapter {chapter + 1}" if self.book else ""

    def show_chapter(self, chapter: int, force: bool = False) -> None:
        if self.book is None or not 0 <= chapter < len(self.book.chapters):
            return
        if chapter != self._chapter_shown or force:
            self._chapter_shown = chapter
            highlighted = self.text_view.highlighted_sentence()
            self.text_view.show_chapter(self.book.chapters[chapter], self.chapter_starts[chapter], self.font_size)
            self.text_view.highlight(highlighted)
        if self.chapter_list.currentRow() != chapter:
            self.chapter_list.blockSignals(True)
            self.chapter_list.setCurrentRow(chapter)
            self.chapter_list.blockSignals(False)

    def show_sentence(self, index: int) -> None:
        """Show the chapter holding sentence `index` and highlight it (scrolling if auto-scroll is on)."""
        self.show_chapter(self.chapter_of(index))
        self.text_view.highlight(index)

    def shown_chapter(self) -> int | None:
        return self._chapter_shown

    # -- following the voice ---------------------------------------------------------------------------
    def follows_voice(self) -> bool:
        """Whether the page moves with the sentence being heard (the setting, unless the reader looks
        elsewhere)."""
        return self.text_view.auto_scroll and self.text_view.following

    @Slot()
    def pause_following(self) -> None:
        """The reader looks elsewhere (a find match, a scroll by hand): the page stays until they come back."""
        if self.text_view.auto_scroll:
            self._set_following(False)

    @Slot()
    def follow_voice(self) -> None:
        """Back to the sentence being heard, and follow it again."""
        self._set_following(True)
        index = self.text_view.highlighted_sentence()
        if index is not None:
            self.show_sentence(index)

    def _set_following(self, on: bool) -> None:
        self.text_view.following = on
        self.back_to_voice.setVisible(not on)
        if not on:
            self._place_back_button()
            self.back_to_voice.raise_()

    def _place_back_button(self) -> None:
        button, area = self.back_to_voice, self.text_view.viewport().geometry()
        button.adjustSize()
        button.move(area.right() - button.width() - 14, area.bottom() - button.height() - 12)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.text_view and event.type() == QEvent.Type.Resize and self.back_to_voice.isVisible():
            self._place_back_button()
        return super().eventFilter(watched, event)

    @Slot(int)
    def _voice_sent_here(self, _index: int) -> None:
        self._set_following(True)  # no jump: the playback shows the new sentence itself

    def set_font_size(self, size: int) -> None:
        self.font_size = size
        if self._chapter_shown is not None:
            self.show_chapter(self._chapter_shown, force=True)

    def set_highlight_color(self, color: str) -> None:
        self.text_view.set_highlight_color(QColor(color))

    @Slot(int)
    def _row_changed(self, row: int) -> None:
        self._set_following(True)  # the voice goes to that chapter: follow it there
        self.show_chapter(row)
        self.chapterChosen.emit(row)

    @Slot(int, int, int)
    def _show_match(self, index: int, offset: int, length: int) -> None:
        self.pause_following()  # else the next sentence heard scrolls the match away
        self.show_chapter(self.chapter_of(index))
        self.text_view.mark_found(index, offset, length)
