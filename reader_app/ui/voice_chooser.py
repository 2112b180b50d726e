"""The per-book voice combo: the model's preset speakers, then the voices saved in the voice library."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QWidget

from reader_app.tts.engine import EngineError, VoiceKind
from reader_app.voices.library import VoiceEntry, list_voices

if TYPE_CHECKING:  # annotation only: the catalog is imported where models are inspected
    from reader_app.models.catalog import ModelInfo

log = logging.getLogger(__name__)


def saved_voices() -> list[VoiceEntry]:
    """The voice library's entries, or [] while its folder cannot be read."""
    try:
        return list_voices()
    except (EngineError, OSError) as exc:  # a broken voice folder must not break the window
        log.warning("Could not list saved voices: %s", exc)
        return []


class VoiceChooser(QComboBox):
    voiceChosen = Signal(str)  # a voice name ("" = the model's default)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Narrator for this book")
        self.setMinimumWidth(180)
        self.activated.connect(self._activated)

    def populate(self, model_info: ModelInfo | None, current: str, voices: list[VoiceEntry] | None = None) -> None:
        """model_info: the configured model or None; current: this book's saved voice name; voices: the voice
        library's entries (listed here when not given)."""
        self.blockSignals(True)
        self.clear()
        speakers = list(model_info.speakers) if model_info is not None else []
        voices = saved_voices() if voices is None else voices
        if model_info is not None:  # only the voices this model can speak
            voices = [v for v in voices if v.kind == model_info.voice_kind]
        # The bundled presets are the model's own speakers once more (with a description): list each speaker
        # once, described by its preset; a preset with a style instruction of its own stays a voice.
        plain = {v.speaker: v for v in voices if v.kind == VoiceKind.PRESET and v.speaker in speakers
                 and not v.instruct}
        voices = [v for v in voices if v not in plain.values()]
        for speaker in speakers:
            self.addItem(speaker.replace("_", " ").title(), speaker)
            preset = plain.get(speaker)
            if preset is not None:
                tip = " · ".join(part for part in (preset.description, preset.language) if part)
                self.setItemData(self.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        if voices and speakers:
            self.insertSeparator(self.count())
        for voice in voices:
            self.addItem(f"{voice.name} ({voice.kind})", voice.name)
            self.setItemData(self.count() - 1, voice.description or voice.kind, Qt.ItemDataRole.ToolTipRole)
        if self.count() == 0:
            self.addItem("Default voice", "")
        wanted = self.findData(current) if current else -1
        if wanted < 0 and current:  # a speaker saved by its preset's name ("Uncle Fu") or capitalised
            by_preset = {v.name.lower(): v.speaker for v in plain.values()}
            wanted = self.findData(by_preset.get(current.lower(), current.lower()))
        self.setCurrentIndex(max(wanted, 0))
        self.blockSignals(False)

    @Slot(int)
    def _activated(self, index: int) -> None:
        name = self.itemData(index)
        if name is not None:
            self.voiceChosen.emit(name)
