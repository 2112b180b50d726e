"""The model manager: installed checkpoints, downloads from the Hugging Face hub (progress, cancel), and a local
folder chosen by hand, verified before it is used. Every check and download runs on a worker thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reader_app.narration.session import model_path_or_none
from reader_app.tts.engine import EngineError
from reader_app.ui.services import AppServices
from reader_app.ui.workers import Job, run_job

INFO_ROLE = Qt.ItemDataRole.UserRole


def _resolved(path: str | Path) -> Path:
    try:
        return Path(path).expanduser().resolve()
    except OSError:  # a folder that went away: compared as written
        return Path(path)


def _size_text(done: int, total: int | None) -> str:
    mb = done / 1e6
    return f"{mb:,.0f} MB of {total / 1e6:,.0f} MB" if total else f"{mb:,.0f} MB"


class ModelManagerDialog(QDialog):
    modelChanged = Signal(object)  # the ModelInfo now in use

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Voice models")
        self.resize(720, 620)
        self._download: Job | None = None
        self._jobs: list[Job] = []  # kept alive until they report
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.current = QLabel("", self)
        self.current.setWordWrap(True)
        layout.addWidget(self.current)
        layout.addWidget(self._installed_box(), 1)
        layout.addWidget(self._hub_box(), 1)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show_current()
        self.refresh_installed()

    # -- layout --------------------------------------------------------------------------------------------
    def _installed_box(self) -> QGroupBox:
        box = QGroupBox("Installed checkpoints", self)
        layout = QVBoxLayout(box)
        self.installed = QListWidget(box)
        layout.addWidget(self.installed)
        row = QHBoxLayout()
        self.use_button = QPushButton("Use selected", box)
        self.folder_button = QPushButton("Choose a local folder…", box)
        row.addWidget(self.use_button)
        row.addStretch(1)
        row.addWidget(self.folder_button)
        layout.addLayout(row)
        self.use_button.clicked.connect(self._use_selected)
        self.folder_button.clicked.connect(self.choose_folder)
        self.installed.itemDoubleClicked.connect(lambda item: self._use_selected())
        return box

    def _hub_box(self) -> QGroupBox:
        from reader_app.models.catalog import KNOWN_MODELS

        box = QGroupBox("Download from the Hugging Face hub", self)
        layout = QVBoxLayout(box)
        self.hub = QListWidget(box)
        for model in KNOWN_MODELS.values():
            item = QListWidgetItem(f"{model.repo_id}\n    {model.description}")
            item.setData(INFO_ROLE, model.repo_id)
            self.hub.addItem(item)
        self.hub.setCurrentRow(0)
        layout.addWidget(self.hub)
        row = QHBoxLayout()
        self.download_button = QPushButton("Download", box)
        self.cancel_button = QPushButton("Cancel download", box)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar(box)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setFormat("")
        row.addWidget(self.download_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button.clicked.connect(self.cancel_download)
        return box

    def _show_current(self) -> None:
        try:
            info = self.services.model_info()
        except (EngineError, OSError) as exc:  # an unusable configured folder: say why
            self.current.setText(f"<b>Current model:</b> unusable ({exc})")
            return
        self.current.setText("<b>Current model:</b> " + (info.describe() if info else "none configured"))

    # -- installed ---------------------------------------------------------------------------------------
    def local_folders(self) -> list[str]:
        """The folders chosen by hand: the one in use, then the one remembered for each kind and size."""
        current = model_path_or_none(self.services.settings)
        remembered = [str(folder) for folder in self.services.settings.model_folders.values() if folder]
        return list(dict.fromkeys(([str(current)] if current is not None else []) + remembered))

    def refresh_installed(self) -> None:
        from reader_app.models.catalog import find_models

        self.installed.clear()
        self.installed.addItem("Looking for checkpoints…")
        folders = self.local_folders()  # read here; each folder is checked (hashed) on the worker thread
        self._track(run_job(self, lambda: find_models(folders), self._installed_found, self._failed, "find-models"))

    @Slot(object)
    def _installed_found(self, infos: list) -> None:
        self.installed.clear()
        current = model_path_or_none(self.services.settings)
        in_use = _resolved(current) if current is not None else None
        for info in infos:
            notes = [note for note, on in (("local folder", info.local), ("in use", _resolved(info.path) == in_use))
                     if on]
            item = QListWidgetItem(f"{info.describe()}{''.join(f' · {n}' for n in notes)}\n    {info.path}")
            item.setData(INFO_ROLE, info)
            self.installed.addItem(item)
        if not infos:
            placeholder = QListWidgetItem("None yet: download one below, or choose a folder you already have.")
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.installed.addItem(placeholder)
        self.use_button.setEnabled(bool(infos))

    def _use_selected(self) -> None:
        item = self.installed.currentItem()
        info = item.data(INFO_ROLE) if item is not None else None
        if info is not None:
            self._use(info)

    # -- local folder ------------------------------------------------------------------------------------
    @Slot()
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a Qwen3-TTS checkpoint folder", str(Path.home()))
        if folder:
            self.verify_folder(folder)

    def verify_folder(self, folder: str) -> Job:
        """Check the folder on a worker thread (it hashes weights); use it if it is a checkpoint."""
        from reader_app.models.catalog import inspect_model

        self.message.setText(f"Checking {folder}…")
        return self._track(run_job(self, lambda: inspect_model(folder), self._use, self._failed, "verify-model"))

    # -- download --------------------------------------------------------------------------------------------
    @Slot()
    def start_download(self) -> None:
        from reader_app.models.catalog import download_model

        item = self.hub.currentItem()
        if item is None or self._download is not None:
            return
        repo_id = item.data(INFO_ROLE)
        job = Job(lambda report: download_model(repo_id, progress=report, cancel_event=job.cancel_event), self,
                  with_progress=True, name="download-model")
        job.progress.connect(self._download_progress)
        job.done.connect(self._downloaded)
        job.failed.connect(self._download_failed)
        self._download = job
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.message.setText(f"Downloading {repo_id}…")
        job.start()

    @Slot()
    def cancel_download(self) -> None:
        if self._download is not None:
            self._download.cancel()
            self.message.setText("Cancelling…")

    @Slot(object, object)
    def _download_progress(self, done, total) -> None:
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(done / total, 1.0)))
        self.progress.setFormat(_size_text(int(done or 0), total))

    def _download_finished(self) -> None:
        self._download = None
        self.download_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 100)

    @Slot(object)
    def _downloaded(self, folder) -> None:
        self._download_finished()
        self.progress.setValue(100)
        self.refresh_installed()
        self.verify_folder(str(folder))

    @Slot(object)
    def _download_failed(self, exc) -> None:
        self._download_finished()
        self.progress.setValue(0)
        self.progress.setFormat("")
        self._failed(exc)

    # -- results -----------------------------------------------------------------------------------------------
    @Slot(object)
    def _use(self, info) -> None:
        self.services.use_model(info)
        self.message.setText(f"Using {info.describe()}.")
        self._show_current()
        self.refresh_installed()  # a folder chosen by hand is listed from now on
        self.modelChanged.emit(info)

    @Slot(object)
    def _failed(self, exc) -> None:
        self.message.setText(f"<span style='color:#c0392b'>{exc}</span>")

    def _track(self, job: Job) -> Job:
        self._jobs = [j for j in self._jobs if j.running()] + [job]
        return job

    def done(self, result: int) -> None:
        self.cancel_download()  # closing the dialog stops a download (it resumes next time)
        super().done(result)
