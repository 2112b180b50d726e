"""'Generate audio for this chapter / the whole book': a bar with progress, ETA and cancel.

The work runs in the narration package's PregenController (a worker thread reporting by signals); the bar only
shows it.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from reader_app.books.model import Book
from reader_app.narration.config import ClipCache, EngineProvider, NarrationConfig
from reader_app.narration.pregen_controller import PregenController


def format_eta(seconds: float) -> str:
    if seconds < 0:
        return "estimating…"
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"about {seconds // 3600} h {seconds // 60 % 60:02d} min left"
    return f"about {seconds // 60}:{seconds % 60:02d} left"


class PregenBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pregenBar")
        self.runner = PregenController(self)
        self.running = False
        self._error = ""  # why the run stopped early (a full disk...): kept visible when it finishes
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        self.label = QLabel("", self)
        self.bar = QProgressBar(self)
        self.eta = QLabel("", self)
        self.eta.setObjectName("muted")
        self.cancel_button = QPushButton("Cancel", self)
        self.close_button = QPushButton("Close", self)
        for widget, stretch in ((self.label, 0), (self.bar, 1), (self.eta, 0), (self.cancel_button, 0),
                                (self.close_button, 0)):
            layout.addWidget(widget, stretch)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.hide)
        self.runner.progress.connect(self._progress)
        self.runner.finished.connect(self._finished)
        self.runner.error.connect(self._show_error)
        self.hide()

    def start(self, what: str, book: Book, cache: ClipCache, config: NarrationConfig,
              engine_provider: EngineProvider | None, chapters: range) -> bool:
        if self.running:
            return False
        self.running = True
        self._error = ""
        self.label.setText(f"Generating {what}")
        self.bar.setRange(0, 0)  # busy until the first report
        self.eta.setText("loading the model…")
        self.cancel_button.show()
        self.close_button.hide()
        self.show()
        self.runner.start(book, cache, config, engine_provider, chapters)
        return True

    @Slot()
    def cancel(self) -> None:
        if self.running:
            self.eta.setText("cancelling…")
            self.runner.cancel()

    @Slot(int, int, float)
    def _progress(self, done: int, total: int, eta_s: float) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.bar.setFormat(f"{done} / {total} sentences")
        self.eta.setText(format_eta(eta_s) if done < total else "done")

    @Slot(int, int, bool)
    def _finished(self, generated: int, failed: int, cancelled: bool) -> None:
        self.running = False
        if self.bar.maximum() == 0:
            self.bar.setRange(0, 1)
        word = "Cancelled" if cancelled else "Stopped" if self._error else "Finished"
        text = f"{word}: {generated} generated" + (f", {failed} failed" if failed else "")
        self.eta.setText(f"{text}. {self._error}" if self._error else text)
        self.eta.setToolTip(self.eta.text())
        self.cancel_button.hide()
        self.close_button.show()

    @Slot(str)
    def _show_error(self, message: str) -> None:
        self._error = message
        self.eta.setText(message)
        self.eta.setToolTip(message)
