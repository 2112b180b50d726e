"""The voice studio's tabs as plain widgets (fields and buttons); the dialog wires their actions."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

NO_CLONE_MODEL = "(none: save the description only)"


def model_combo(models: list[tuple[str, str]], optional: str | None = None) -> QComboBox:
    """A combo of (label, folder) pairs; `optional` adds a first entry meaning 'no model'."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(28)
    if optional:
        combo.addItem(optional, "")
    for label, folder in models:
        combo.addItem(label, folder)
    return combo


def add_model(combo: QComboBox, label: str, folder: str) -> None:
    index = combo.findData(folder)
    if index < 0:
        combo.addItem(label, folder)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


def _row(*widgets) -> QHBoxLayout:
    row = QHBoxLayout()
    for i, w in enumerate(widgets):  # the first field takes the spare width, buttons keep their size
        row.addWidget(w, 1 if i == 0 else 0) if isinstance(w, QWidget) else row.addStretch(1)
    return row


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(mid);")
    return label


class PresetsTab(QWidget):
    def __init__(self, models, presets) -> None:
        super().__init__()
        self.model = model_combo(models)
        self.browse = QPushButton("Browse…")
        self.speaker = QComboBox()
        for entry in presets:
            self.speaker.addItem(f"{entry.name}  ·  {entry.language}", entry)
        self.about = _hint("")
        self.instruct = QLineEdit()
        self.instruct.setPlaceholderText("Style instruction, e.g. “Speak slowly, in a gentle, warm tone”")
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #a15c00;")
        self.name = QLineEdit()
        self.name.setPlaceholderText("Name for this speaker + style")
        self.preview = QPushButton("▶ Preview")
        self.save = QPushButton("Save voice")
        form = QFormLayout(self)
        form.addRow("Model", _row(self.model, self.browse))
        form.addRow("Speaker", self.speaker)
        form.addRow("", self.about)
        form.addRow("Style", self.instruct)
        form.addRow("", self.notice)
        form.addRow("Save as", _row(self.name, self.preview, self.save))
        self.speaker.currentIndexChanged.connect(self._describe)
        self._describe()

    def _describe(self) -> None:
        entry = self.speaker.currentData()
        self.about.setText(entry.description if entry else "")


class DesignTab(QWidget):
    def __init__(self, design_models, base_models) -> None:
        super().__init__()
        self.model = model_combo(design_models)
        self.browse = QPushButton("Browse…")
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("Describe the narrator: age, gender, timbre, pace, mood… e.g. "
                                            "“A deep, calm male voice with a slight rasp, unhurried and warm.”")
        self.description.setFixedHeight(84)
        self.preview = QPushButton("▶ Preview design")
        self.clone_model = model_combo(base_models, optional=NO_CLONE_MODEL)
        self.clone_browse = QPushButton("Browse…")
        self.name = QLineEdit()
        self.name.setPlaceholderText("Name of the new voice")
        self.save = QPushButton("Save voice")
        form = QFormLayout(self)
        form.addRow("Model", _row(self.model, self.browse))
        form.addRow("Description", self.description)
        form.addRow("", _row(self.preview, None))
        form.addRow("Fix with", _row(self.clone_model, self.clone_browse))
        form.addRow("", _hint("Saving with a Base model clones the preview, so the narrator sounds the same in "
                              "every sentence. Without one, the description is re-read each time."))
        form.addRow("Save as", _row(self.name, self.save))


class CloneTab(QWidget):
    def __init__(self, base_models) -> None:
        super().__init__()
        self.model = model_combo(base_models)
        self.browse = QPushButton("Browse…")
        self.file = QLineEdit()
        self.file.setPlaceholderText("A recording of 3–30 s of clear speech (WAV, FLAC, OGG, MP3)")
        self.choose = QPushButton("Choose file…")
        self.record = QPushButton("● Record")
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setFixedHeight(10)
        self.seconds = QLabel("0.0 s")
        self.seconds.setMinimumWidth(60)
        self.seconds.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.transcript = QPlainTextEdit()
        self.transcript.setPlaceholderText("What the recording says, word for word (optional: without it only "
                                           "the timbre is cloned)")
        self.transcript.setFixedHeight(64)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Name of the new voice")
        self.save = QPushButton("Clone and save")
        form = QFormLayout(self)
        form.addRow("Model", _row(self.model, self.browse))
        form.addRow("Recording", _row(self.file, self.choose))
        form.addRow("Microphone", _row(self.record, self.meter, self.seconds))
        form.addRow("Transcript", self.transcript)
        form.addRow("Save as", _row(self.name, self.save))
        # (samples, rate) from the microphone, used when no file is chosen
        self.recorded: tuple[np.ndarray, int] | None = None


class SavedVoicesPanel(QWidget):
    """The saved voices: a list (name, kind, language), what the selected one is, and what can be done to it."""

    def __init__(self) -> None:
        super().__init__()
        self.voice_list = QTreeWidget()
        self.voice_list.setHeaderLabels(["Voice", "Kind", "Language"])
        self.voice_list.setRootIsDecorated(False)
        self.voice_list.setAlternatingRowColors(True)
        self.voice_list.setColumnWidth(0, 165)
        self.voice_list.setColumnWidth(1, 80)
        self.voice_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.preview, self.export = QPushButton("▶ Preview"), QPushButton("Export…")
        self.import_, self.delete = QPushButton("Import…"), QPushButton("Delete")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Voices</b>"))
        layout.addWidget(self.voice_list, 1)
        layout.addWidget(self.about)
        buttons = QHBoxLayout()
        for button in (self.preview, self.export, self.import_, self.delete):
            buttons.addWidget(button)
        layout.addLayout(buttons)
