"""The settings dialog, generated from the Settings dataclass: one editor per field, chosen by its type and
metadata (choices, range, suffix), grouped as the fields declare. A new setting needs no code here.

Edits go through Settings.from_values, the same check as loading: OK with a value a setting cannot take (a path
with a control character pasted in) keeps the dialog open and says which, in one line."""

from __future__ import annotations

from dataclasses import Field
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reader_app.settings import Settings

# How choice values read in the dialog (the stored value stays the short one).
CHOICE_LABELS = {"custom_voice": "CustomVoice (preset speakers)", "voice_design": "VoiceDesign (described voice)",
                 "base": "Base (cloned voice)", "0.6b": "0.6B (faster)", "1.7b": "1.7B (better)",
                 "auto": "Automatic", "cuda": "CUDA (NVIDIA GPU)", "mps": "MPS (Apple GPU)", "cpu": "CPU",
                 "default": "Default sound device", "null": "Silent", "light": "Light", "dark": "Dark",
                 "dense": "Plain (the precision above)", "fp16_packed": "fp16, packed (CPU)",
                 "int8": "int8 (CPU, fastest, slightly less faithful)",
                 "process": "In a process of its own", "inline": "Inside the app",
                 "remote": "On a speech server"}


def editor_for(spec: Field, value: Any, parent: QWidget) -> QWidget:
    meta = spec.metadata
    if meta.get("choices"):
        box = QComboBox(parent)
        for choice in meta["choices"]:
            box.addItem(CHOICE_LABELS.get(choice, str(choice)), choice)
        box.setCurrentIndex(max(box.findData(value), 0))
        return box
    if isinstance(value, bool):
        check = QCheckBox(parent)
        check.setChecked(value)
        return check
    if isinstance(value, (int, float)):
        low, high = meta.get("minimum"), meta.get("maximum")
        low, high = low if low is not None else -1e9, high if high is not None else 1e9
        spin: QSpinBox | QDoubleSpinBox
        if isinstance(value, int):
            spin = QSpinBox(parent)
            spin.setRange(int(low), int(high))
            if meta.get("step"):
                spin.setSingleStep(int(meta["step"]))
            spin.setValue(value)
        else:
            spin = QDoubleSpinBox(parent)
            spin.setDecimals(2)
            spin.setRange(low, high)
            if meta.get("step"):
                spin.setSingleStep(meta["step"])
            spin.setValue(value)
        spin.setSuffix(meta.get("suffix", ""))
        if low == 0 and spec.name == "cpu_threads":
            spin.setSpecialValueText("Automatic")
        return spin
    line = QLineEdit(str(value), parent)
    line.setMinimumWidth(320)
    if meta.get("secret"):
        line.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
    return line


def editor_value(editor: QWidget) -> Any:
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        return editor.value()
    if isinstance(editor, QLineEdit):
        return editor.text().strip()
    raise TypeError(f"no editor_for makes a {type(editor).__name__}")


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.resize(560, 460)
        self.settings = settings
        self.editors: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        forms: dict[str, QFormLayout] = {}
        for spec in Settings.editable_fields():
            group = spec.metadata.get("group") or "General"
            if group not in forms:
                page = QWidget(self.tabs)
                forms[group] = QFormLayout(page)
                forms[group].setContentsMargins(16, 16, 16, 16)
                forms[group].setVerticalSpacing(10)
                self.tabs.addTab(page, group)
            editor = editor_for(spec, getattr(settings, spec.name), self)
            if spec.metadata.get("help"):
                editor.setToolTip(spec.metadata["help"])
            editor.setObjectName(spec.name)
            forms[group].addRow(spec.metadata["label"] + ":", editor)
            self.editors[spec.name] = editor
        layout.addWidget(self.tabs, 1)
        self._link_enabled_editors()
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        layout.addWidget(buttons)

    def _link_enabled_editors(self) -> None:
        """A setting declared enabled_when=(name, value) is editable only while that setting's editor shows it."""
        for spec in Settings.editable_fields():
            condition = spec.metadata.get("enabled_when")
            if not condition or condition[0] not in self.editors:
                continue
            source, wanted, editor = self.editors[condition[0]], condition[1], self.editors[spec.name]

            def follow(*_: Any, source: QWidget = source, wanted: Any = wanted, editor: QWidget = editor) -> None:
                editor.setEnabled(editor_value(source) == wanted)

            if isinstance(source, QComboBox):
                source.currentIndexChanged.connect(follow)
            follow()

    def values(self) -> dict[str, Any]:
        return {name: editor_value(editor) for name, editor in self.editors.items()}

    def set_value(self, name: str, value: Any) -> None:
        editor = self.editors[name]
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(editor.findData(value), 0))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            editor.setValue(value)
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value))

    def restore_defaults(self) -> None:
        defaults = Settings()
        for name in self.editors:
            self.set_value(name, getattr(defaults, name))

    def edited_settings(self) -> Settings:
        """A copy of the settings with the dialog's values (the original is untouched until applied); a value a
        setting cannot take keeps the current one (problems() names it)."""
        return Settings.from_values(self.values(), self.settings)[0]

    def problems(self) -> list[str]:
        """What in the dialog a setting cannot take, one line each."""
        return Settings.from_values(self.values(), self.settings)[1]

    def accept(self) -> None:
        problems = self.problems()
        if problems:
            self.message.setText("Not saved: " + "; ".join(problems) + ".")
            self.message.show()
            return
        self.message.hide()
        super().accept()
