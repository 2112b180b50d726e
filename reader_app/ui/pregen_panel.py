"""'Generate audio for this chapter / the whole book': a bar with progress, ETA and cancel.

It uses the narration package's PregenController when that exists; otherwise a small runner here drives the
Qt-free Pregenerator on a worker thread with the same signals.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)


class ThreadPregen(QObject):
    """Same face as reader_app.narration.pregen_controller.PregenController."""
    progress = Signal(int, int, float)  # done, total, eta seconds (-1 unknown)
    finished = Signal(int, int, bool)  # generated, failed, cancelled
    error = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, book, cache, config, engine_provider, chapters: range) -> None:
        from reader_app.narration.pregen import Pregenerator

        self._cancel = threading.Event()
        runner = Pregenerator(book, cache, config, engine_provider, cancel=self._cancel)

        def work() -> None:
            try:
                result = runner.run(chapters, lambda p: self.progress.emit(
                    p.done, p.total, -1.0 if p.eta_s is None else float(p.eta_s)))
            except Exception as exc:  # noqa: BLE001 - shown in the bar
                self.error.emit(str(exc))
                self.finished.emit(0, 0, self._cancel.is_set())
                return
            self.finished.emit(result.generated, result.failed, self._cancel.is_set())

        self._thread = threading.Thread(target=work, name="pregen", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()


def make_pregen_runner(parent: QObject) -> QObject:
    try:
        from reader_app.narration.pregen_controller import PregenController
    except ImportError:
        return ThreadPregen(parent)
    return PregenController(parent)


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
        self.runner = make_pregen_runner(self)
        self.running = False
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
        self.runner.error.connect(self._error)
        self.hide()

    def start(self, what: str, book, cache, config, engine_provider, chapters: range) -> bool:
        if self.running:
            return False
        self.running = True
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
        word = "Cancelled" if cancelled else "Finished"
        self.eta.setText(f"{word}: {generated} generated" + (f", {failed} failed" if failed else ""))
        self.cancel_button.hide()
        self.close_button.show()

    @Slot(str)
    def _error(self, message: str) -> None:
        self.eta.setText(message)
        self.eta.setToolTip(message)
