"""A banner shown while no usable voice model is configured, saying how to get one."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

HOW_TO_GET_A_MODEL = (
    "Cached audio still plays. To narrate new text, download a Qwen3-TTS model, for example "
    "<code>huggingface-cli download Qwen/Qwen3-TTS-12Hz-0.6B-CustomVoice --local-dir ~/qwen3-tts-0.6b</code>, "
    "then choose that folder (Settings > Voice models…), or set the READER_APP_MODEL environment variable."
)


class ModelNotice(QFrame):
    chooseFolder = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelNotice")
        self.set_dark(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        button = QPushButton("Choose model folder…", self)
        button.clicked.connect(self.chooseFolder)
        layout.addWidget(button)

    def set_dark(self, dark: bool) -> None:
        background, border, text = ("#3a3116", "#7a6420", "#f3e3b0") if dark else ("#fff4d6", "#e8c66a", "#4a3b00")
        self.setStyleSheet(f"#modelNotice {{ background: {background}; border: 1px solid {border}; "
                           f"border-radius: 6px; margin: 8px 12px 2px 12px; }} QLabel {{ color: {text}; }}")

    def set_problem(self, problem: str) -> None:
        self.label.setText(f"<b>{problem}</b><br>{HOW_TO_GET_A_MODEL}")
