"""A one-line label that ends in "…" when its text does not fit, with the whole text in its tooltip.

QLabel with an Ignored size policy cuts a long line off mid-word with nothing to say more was there; this one
shows that the text goes on, and hovering it reads the rest.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        self._mode = mode
        # Long texts must not widen the window: the label takes the room it is given and elides the rest.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)  # always: the tooltip is where the whole line can be read

    def minimumSizeHint(self) -> QSize:
        # A few characters: with a Preferred policy the label has its whole width when there is room, and
        # shrinks (eliding) instead of holding the window wide when there is not.
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance("M") * 6), hint.height())

    def shown_text(self) -> str:
        """The text as painted: the whole of it, or its start and "…"."""
        one_line = " ".join(self.text().split())
        return self.fontMetrics().elidedText(one_line, self._mode, max(self.contentsRect().width(), 0))

    def is_elided(self) -> bool:
        return self.shown_text() != " ".join(self.text().split())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), self.alignment(),
                                  self.palette(), self.isEnabled(), self.shown_text(), self.foregroundRole())
