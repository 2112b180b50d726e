"""The chapter text, laid out in paragraphs, with the sentence being heard highlighted.

Sentences are inserted one by one so their character ranges are known: highlighting is an extra selection
(no re-layout), and a click maps a character position back to its sentence.
"""

from __future__ import annotations

import bisect

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QMouseEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QTextBrowser, QTextEdit, QWidget

from reader_app.books.model import Chapter


class SentenceTextView(QTextBrowser):
    sentenceClicked = Signal(int)  # index in reading order
    scrolledByHand = Signal()  # the reader moved the page (wheel, keys, scroll bar), not the voice

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setReadOnly(True)
        self.setObjectName("pageView")
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        self._starts: list[int] = []  # document position where each sentence starts
        self._ends: list[int] = []
        self._indices: list[int] = []  # reading-order index of each sentence shown
        self._highlighted: int | None = None
        self.auto_scroll = True  # the setting: the page follows the voice
        self.following = True  # False while the reader looks elsewhere (a find match, a scroll by hand)
        self.highlight_color = QColor("#ffe8a3")
        self._found: tuple[int, int] | None = None  # the current find match (document positions)
        # actionTriggered comes only from the reader's own scrolling, never from setValue (our scrolls).
        self.verticalScrollBar().actionTriggered.connect(lambda _action: self.scrolledByHand.emit())

    def show_chapter(self, chapter: Chapter, first_index: int, point_size: int = 15) -> None:
        """first_index: reading-order index of the chapter's first sentence."""
        self.clear()
        self._starts, self._ends, self._indices = [], [], []
        self._highlighted = None
        self._found = None
        cursor = QTextCursor(self.document())
        block = QTextBlockFormat()
        block.setBottomMargin(point_size * 0.8)
        block.setLineHeight(135, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        title_format = QTextCharFormat()
        title_format.setFontPointSize(point_size * 1.5)
        title_format.setFontWeight(QFont.Weight.Bold)
        body = QTextCharFormat()
        body.setFontPointSize(point_size)
        cursor.setBlockFormat(block)
        sentences = chapter.sentences
        # Books usually carry their heading as the first sentence (it is read aloud): style that one as the
        # title instead of printing the title twice.
        heading_is_first = bool(sentences) and _same_words(sentences[0].text, chapter.title)
        if not heading_is_first:
            cursor.insertText(chapter.title, title_format)
        paragraph = None
        for offset, sentence in enumerate(sentences):
            if sentence.paragraph_index != paragraph:
                if offset or not heading_is_first:
                    cursor.insertBlock(block)
                paragraph = sentence.paragraph_index
            elif offset:
                cursor.insertText(" ", body)
            self._starts.append(cursor.position())
            cursor.insertText(sentence.text, title_format if offset == 0 and heading_is_first else body)
            self._ends.append(cursor.position())
            self._indices.append(first_index + offset)
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def sentence_at(self, document_position: int) -> int | None:
        slot = bisect.bisect_right(self._starts, document_position) - 1
        if slot < 0 or document_position > self._ends[slot]:
            return None
        return self._indices[slot]

    def highlight(self, index: int | None, scroll: bool | None = None) -> None:
        self._highlighted = index
        self._update_selections()
        if index is not None and self._indices and self._indices[0] <= index <= self._indices[-1]:
            if (self.auto_scroll and self.following) if scroll is None else scroll:
                self.ensure_visible(index - self._indices[0])

    def set_highlight_color(self, color: QColor) -> None:
        self.highlight_color = QColor(color)
        self._update_selections()

    def mark_found(self, index: int, start: int, length: int) -> None:
        """Underline a find match: characters [start, start+length) of sentence `index`, and scroll to it."""
        if not self._indices or not self._indices[0] <= index <= self._indices[-1]:
            return
        slot = index - self._indices[0]
        self._found = (self._starts[slot] + start, self._starts[slot] + start + length)
        self._update_selections()
        self.ensure_visible(slot)

    def clear_found(self) -> None:
        self._found = None
        self._update_selections()

    def _update_selections(self) -> None:
        selections = []
        index = self._highlighted
        if index is not None and self._indices and self._indices[0] <= index <= self._indices[-1]:
            slot = index - self._indices[0]
            selections.append(self._selection(self._starts[slot], self._ends[slot], self.highlight_color))
        if self._found is not None:
            found = self._selection(*self._found, QColor("#f59e0b"))
            found.format.setForeground(QColor("#000000"))
            selections.append(found)
        self.setExtraSelections(selections)

    def _selection(self, start: int, end: int, color: QColor) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        selection.cursor = QTextCursor(self.document())
        selection.cursor.setPosition(start)
        selection.cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection.format.setBackground(color)
        return selection

    def ensure_visible(self, slot: int) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._ends[slot])
        end_rect = self.cursorRect(cursor)
        cursor.setPosition(self._starts[slot])
        start_rect = self.cursorRect(cursor)
        viewport = self.viewport().rect()
        if start_rect.top() < viewport.height() * 0.15 or end_rect.bottom() > viewport.height() * 0.75:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + start_rect.top() - int(viewport.height() * 0.3))

    def sentence_in_view(self, index: int) -> bool:
        """Whether sentence `index` is on this page and at least partly inside the visible area."""
        if not self._indices or not self._indices[0] <= index <= self._indices[-1]:
            return False
        slot = index - self._indices[0]
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._starts[slot])
        top = self.cursorRect(cursor).top()
        cursor.setPosition(self._ends[slot])
        bottom = self.cursorRect(cursor).bottom()
        return bottom >= 0 and top <= self.viewport().height()

    def highlighted_sentence(self) -> int | None:
        # Not `highlighted`: QTextBrowser has a signal of that name (a link under the mouse).
        return self._highlighted

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self.textCursor().hasSelection():
            index = self.sentence_at(self.cursorForPosition(event.position().toPoint()).position())
            if index is not None:
                self.sentenceClicked.emit(index)


def _same_words(a: str, b: str) -> bool:
    def words(text: str) -> list[str]:
        return "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()

    return bool(words(a)) and words(a) == words(b)
