"""File > Export audiobook…: format, chapter range, where to write, then a progress bar with cancel.

The export runs on its own QThread (generation of missing audio, then encoding), so the window and playback keep
working; it shares the window's engine provider, so a model already loaded for listening is not loaded again.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reader_app.export.exporter import (
    ExportCancelled,
    ExportPhase,
    ExportProgress,
    ExportRequest,
    ExportSummary,
    default_output,
    export_audiobook,
)
from reader_app.export.formats import SPECS, ExportFormat
from reader_app.export.metadata import book_tags
from reader_app.export.writer import ExportError
from reader_app.ui.book_session import OpenedBook
from reader_app.ui.services import AppServices

FORMAT_LABELS = {ExportFormat.M4B: "M4B audiobook (AAC, chapters, cover)", ExportFormat.MP3: "MP3",
                 ExportFormat.OPUS: "Opus (smallest)", ExportFormat.FLAC: "FLAC (lossless)"}


class ExportJob(QObject):
    """The export on a worker thread; progress and the outcome come back as signals (queued to the GUI)."""

    progress = Signal(object)  # ExportProgress
    finished = Signal(object)  # ExportSummary
    failed = Signal(str)

    def __init__(self, services: AppServices, opened: OpenedBook, request: ExportRequest, voice_name: str) -> None:
        super().__init__()
        self.services, self.opened, self.request, self.voice_name = services, opened, request, voice_name
        self.cancel = threading.Event()

    @Slot()
    def run(self) -> None:
        book, cache = self.opened.book, self.opened.cache
        try:
            config = self.services.narration_config(book)
            summary = export_audiobook(book, cache, config, self.request,
                                       book_tags(book, config.voice, self.voice_name),
                                       self.services.engine_provider(), self.progress.emit, self.cancel)
        except ExportCancelled as exc:
            self.failed.emit(str(exc))
        except (ExportError, OSError, ValueError) as exc:
            self.failed.emit(f"Export failed: {exc}")
        else:
            self.finished.emit(summary)


class ExportDialog(QDialog):
    def __init__(self, services: AppServices, opened: OpenedBook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export audiobook")
        self.services, self.opened = services, opened
        self._thread: QThread | None = None
        self.job: ExportJob | None = None
        self.summary: ExportSummary | None = None
        chapters = [c.title or f"Chapter {c.index + 1}" for c in opened.book.chapters]

        self.format = QComboBox()
        for fmt, label in FORMAT_LABELS.items():
            self.format.addItem(label, fmt)
        self.per_chapter = QCheckBox("One file per chapter (numbered and tagged)")
        self.first, self.last = QComboBox(), QComboBox()
        for combo in (self.first, self.last):
            for n, title in enumerate(chapters, start=1):
                combo.addItem(f"{n}. {title}")
        self.last.setCurrentIndex(len(chapters) - 1)
        self.output = QLineEdit()
        self.browse = QPushButton("Browse…")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.status = QLabel("Audio that is not cached yet is generated first; cached audio is reused.")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("Cancel export", QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.cancel_button.setEnabled(False)

        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("", self.per_chapter)
        form.addRow("From", self.first)
        form.addRow("To", self.last)
        where = QHBoxLayout()
        where.addWidget(self.output, 1)
        where.addWidget(self.browse)
        form.addRow("Save to", where)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self.format.currentIndexChanged.connect(self._suggest_output)
        self.per_chapter.toggled.connect(self._suggest_output)
        self.browse.clicked.connect(self._choose_output)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self._suggest_output()
        self.resize(560, self.sizeHint().height())

    # -- choices -----------------------------------------------------------------------------------------
    def chosen_format(self) -> ExportFormat:
        return ExportFormat(self.format.currentData())

    def _suggest_output(self) -> None:
        folder = Path(self.output.text()).expanduser().parent if self.output.text() else Path.home()
        self.output.setText(str(default_output(self.opened.book, self.chosen_format(),
                                               self.per_chapter.isChecked(), folder)))

    def _choose_output(self) -> None:
        if self.per_chapter.isChecked():
            chosen = QFileDialog.getExistingDirectory(self, "Folder for the chapter files", self.output.text())
        else:
            ext = SPECS[self.chosen_format()].extension
            chosen, _ = QFileDialog.getSaveFileName(self, "Export audiobook", self.output.text(),
                                                    f"{FORMAT_LABELS[self.chosen_format()]} (*{ext})")
        if chosen:
            self.output.setText(chosen)

    def request(self) -> ExportRequest:
        first, last = self.first.currentIndex(), self.last.currentIndex()
        if last < first:
            raise ValueError("The last chapter comes before the first one.")
        if not self.output.text().strip():
            raise ValueError("Choose where to save the export.")
        return ExportRequest(self.chosen_format(), Path(self.output.text().strip()).expanduser(),
                             list(range(first, last + 1)), self.per_chapter.isChecked())

    # -- running -------------------------------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        try:
            request = self.request()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        voice_name = self.services.library.book_setting(self.opened.book_id, "voice_name",
                                                        self.services.settings.voice) or ""
        self.job = ExportJob(self.services, self.opened, request, voice_name)
        self._thread = QThread(self)
        self.job.moveToThread(self._thread)
        self._thread.started.connect(self.job.run)
        self.job.progress.connect(self._progress)
        self.job.finished.connect(self._finished)
        self.job.failed.connect(self._failed)
        self._set_running(True)
        self.status.setText("Starting…")
        self._thread.start()

    @Slot()
    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel.set()
            self.status.setText("Cancelling…")

    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def _progress(self, p: ExportProgress) -> None:
        self.bar.setValue(round(1000 * min(1.0, p.done / p.total)) if p.total else 0)
        eta = p.eta_s
        left = f", about {_duration(eta)} left" if eta is not None else ""
        if p.phase is ExportPhase.GENERATING:
            self.status.setText(f"Generating audio: {int(p.done)} of {int(p.total)} sentences{left}")
        else:
            self.status.setText(f"Encoding: {_duration(p.done)} of {_duration(p.total)}{left}")

    def _finished(self, summary: ExportSummary) -> None:
        self.summary = summary
        self._stop_thread()
        self.bar.setValue(1000)
        notes = "".join(f" {note}" for note in summary.notes)
        self.status.setText(f"Exported {summary.chapters} chapter(s), {_duration(summary.duration_s)}, to "
                            f"{summary.output}.{notes}")

    def _failed(self, message: str) -> None:
        self._stop_thread()
        self.bar.setValue(0)
        self.status.setText(message)

    def _stop_thread(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        for widget in (self.format, self.per_chapter, self.first, self.last, self.output, self.browse,
                       self.export_button):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def done(self, result: int) -> None:
        if self.running():  # closing the dialog stops the export; nothing partial is left
            self.cancel()
            self._stop_thread()
        super().done(result)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds // 60 % 60:02d} min"
    return f"{seconds // 60} min {seconds % 60:02d} s"
