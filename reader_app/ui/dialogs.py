"""What the window opens: settings, the model manager, the voice studio, the per-book voice, pregeneration.

A mixin of MainWindow (kept apart so the window module stays about layout and books)."""

from __future__ import annotations

import logging

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QMessageBox

from reader_app.ui.model_manager import ModelManagerDialog
from reader_app.ui.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)

# Settings that change clip keys or the narrator's plan: the narrator is reconfigured when they change.
NARRATION_FIELDS = {"model_path", "model_kind", "model_size", "device", "dtype", "cpu_threads", "lookahead_s",
                    "batch_size", "pause_sentence_s", "pause_paragraph_s", "pause_chapter_s", "voice"}


class DialogsMixin:
    # -- settings ----------------------------------------------------------------------------------------
    @Slot()
    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.services.settings, self)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.edited_settings()))
        dialog.open()  # window-modal, without a nested event loop (tests drive it directly)
        self.settings_dialog = dialog
        return dialog

    def apply_settings(self, edited) -> set[str]:
        changed = self.services.apply_settings(edited)
        self.actions_.dark.setChecked(self.services.settings.theme == "dark")
        self.actions_.follow.setChecked(self.services.settings.auto_scroll)
        self.apply_appearance()
        if changed & NARRATION_FIELDS:
            self.model_changed()
        return changed

    # -- models and voices -------------------------------------------------------------------------------
    @Slot()
    def open_model_manager(self) -> ModelManagerDialog:
        dialog = ModelManagerDialog(self.services, self)
        dialog.modelChanged.connect(self.model_changed)
        dialog.open()
        self.model_dialog = dialog
        return dialog

    @Slot()
    def open_voice_studio(self) -> QDialog | None:
        try:
            from reader_app.ui.voice_studio import VoiceStudioDialog
        except ImportError:
            QMessageBox.information(self, "Voice studio", "The voice studio is not available in this build.")
            return None
        dialog = VoiceStudioDialog(self.services, self)
        dialog.finished.connect(lambda _result: self._populate_voices())  # new voices appear in the chooser
        dialog.open()
        return dialog

    def _populate_voices(self) -> None:
        if self.book_id is None:
            return
        try:
            info = self.services.model_info()
        except Exception:  # noqa: BLE001 - an unusable model: only saved voices are offered
            info = None
        current = self.services.library.book_setting(self.book_id, "voice_name", self.services.settings.voice)
        self.reading_view.voice.populate(info, current or "")

    @Slot(str)
    def set_voice(self, name: str) -> None:
        if self.book is None or self.book_id is None:
            return
        self.services.library.set_book_setting(self.book_id, "voice_name", name)
        narrator = self.controller.narrator
        if narrator is not None:
            narrator.set_config(self.services.narration_config(self.book))
        self.transport.set_status(f"Voice: {name or 'default'}")

    # -- pregeneration -------------------------------------------------------------------------------------
    @Slot()
    def generate_chapter(self) -> None:
        if self.controller.narrator is not None:
            chapter = self.chapter_of(self.controller.narrator.cursor)
            self._generate(f"chapter {chapter + 1}", range(chapter, chapter + 1))

    @Slot()
    def generate_book(self) -> None:
        if self.book is not None:
            self._generate("the whole book", range(len(self.book.chapters)))

    def _generate(self, what: str, chapters: range) -> None:
        provider = self.services.engine_provider()
        if self.book is None or self.cache is None or provider is None:
            self.transport.set_status("Choose a voice model first (Settings > Voice models…).")
            return
        config = self.controller.narrator.config
        if not self.pregen.start(what, self.book, self.cache, config, provider, chapters):
            self.transport.set_status("Audio is already being generated.")

    @Slot()
    def cancel_generation(self) -> None:
        self.pregen.cancel()
