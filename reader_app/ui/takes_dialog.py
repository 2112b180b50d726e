"""The takes of one sentence, to choose one by listening: a row per take with Play, and the one to keep.

The dialog only shows and asks; the SentenceTakes controller makes the takes (off the GUI thread), plays them
and keeps the chosen one, so the dialog can be built and screenshotted without a model.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


def take_label(take: int) -> str:
    return "Original (take 0)" if take == 0 else f"Take {take}"


class TakesDialog(QDialog):
    """takes: the take numbers to offer (the original and those made); kept: the one kept now.
    play(take) plays one; the chosen take is `chosen()` once the dialog is accepted."""

    def __init__(self, sentence_text: str, takes: list[int], kept: int, play: Callable[[int], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose a take")
        self.setObjectName("takesDialog")
        self._play = play
        layout = QVBoxLayout(self)
        quote = QLabel(f"“{sentence_text}”", self)
        quote.setWordWrap(True)
        quote.setObjectName("takesSentence")
        layout.addWidget(quote)
        hint = QLabel("Listen to each take and keep the one you like; the others stay in the cache.", self)
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        grid = QGridLayout()
        self.group = QButtonGroup(self)
        self.play_buttons: dict[int, QPushButton] = {}
        self.status = QLabel("", self)
        self.status.setObjectName("muted")
        for row, take in enumerate(takes):
            choice = QRadioButton(take_label(take) + ("  (kept now)" if take == kept else ""), self)
            choice.setChecked(take == kept)
            self.group.addButton(choice, take)
            button = QPushButton("▶ Play", self)
            button.setFixedWidth(button.sizeHint().width() + 16)
            button.setToolTip(f"Listen to {take_label(take).lower()}")
            button.clicked.connect(lambda _checked=False, t=take: self._play_take(t))
            self.play_buttons[take] = button
            grid.addWidget(choice, row, 0)
            grid.addWidget(button, row, 1)
        grid.setColumnStretch(0, 1)  # the take's name takes the room, Play stays a button
        layout.addLayout(grid)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(self)
        self.keep_button = buttons.addButton("Keep this take", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def chosen(self) -> int:
        return self.group.checkedId()

    def choose(self, take: int) -> None:
        button = self.group.button(take)
        if button is not None:
            button.setChecked(True)

    def _play_take(self, take: int) -> None:
        self.choose(take)  # what is heard is what "Keep" keeps
        self.status.setText(f"Playing {take_label(take).lower()}…")
        self._play(take)

    def say(self, text: str) -> None:
        self.status.setText(text)
