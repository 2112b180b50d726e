"""The per-book voice combo: the model's preset speakers, then the voices saved in the voice library."""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QWidget

log = logging.getLogger(__name__)


def saved_voices() -> list:
    """The voice library's entries, or [] while that module is absent or unreadable."""
    try:
        from reader_app.voices.library import list_voices
    except ImportError:
        return []
    try:
        return list(list_voices())
    except Exception as exc:  # a broken voice folder must not break the window
        log.warning("Could not list saved voices: %s", exc)
        return []


class VoiceChooser(QComboBox):
    voiceChosen = Signal(str)  # a voice name ("" = the model's default)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Narrator for this book")
        self.setMinimumWidth(180)
        self.activated.connect(self._activated)

    def populate(self, model_info, current: str, voices: list | None = None) -> None:
        """model_info: the configured ModelInfo or None; current: this book's saved voice name; voices: the
        voice library's entries (listed here when not given)."""
        self.blockSignals(True)
        self.clear()
        speakers = list(model_info.speakers) if model_info is not None else []
        for speaker in speakers:
            self.addItem(speaker.capitalize(), speaker)
        voices = saved_voices() if voices is None else voices
        if model_info is not None:  # only the voices this model can speak
            voices = [v for v in voices if getattr(v, "kind", model_info.voice_kind) == model_info.voice_kind]
        if voices and speakers:
            self.insertSeparator(self.count())
        for voice in voices:
            detail = getattr(voice, "description", "") or getattr(voice, "kind", "")
            self.addItem(f"{voice.name} ({getattr(voice, 'kind', 'saved')})", voice.name)
            self.setItemData(self.count() - 1, detail, role=3)  # Qt.ToolTipRole
        if self.count() == 0:
            self.addItem("Default voice", "")
        wanted = self.findData(current) if current else -1
        if wanted < 0 and current:
            wanted = self.findData(current.lower())
        self.setCurrentIndex(max(wanted, 0))
        self.blockSignals(False)

    def voice_names(self) -> list[str]:
        return [self.itemData(i) for i in range(self.count()) if self.itemData(i) is not None]

    def choose(self, name: str) -> None:
        index = self.findData(name)
        if index >= 0:
            self.setCurrentIndex(index)
            self._activated(index)

    @Slot(int)
    def _activated(self, index: int) -> None:
        name = self.itemData(index)
        if name is not None:
            self.voiceChosen.emit(name)
