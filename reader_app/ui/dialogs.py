"""What the window opens and what follows from it: settings, the model manager, the voice studio, the per-book
voice, pregeneration, audiobook export.

MainWindow owns one DialogLauncher; it is handed the services, the widgets it updates, the book open in the
window and the window's reactions (appearance, model), so the window module stays about layout and books.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QDialog, QWidget

from reader_app.narration.controller import NarrationController
from reader_app.settings import Reload, Settings
from reader_app.tts.engine import EngineError
from reader_app.ui.book_session import OpenedBook
from reader_app.ui.model_manager import ModelManagerDialog
from reader_app.ui.pregen_panel import PregenBar
from reader_app.ui.reading_view import ReadingView
from reader_app.ui.services import AppServices
from reader_app.ui.settings_dialog import SettingsDialog
from reader_app.ui.transport_bar import TransportBar

NARRATOR_SETTINGS = Settings.names_reloading(Reload.NARRATOR)  # a change reconfigures the narrator


class DialogLauncher(QObject):
    def __init__(self, window: QWidget, services: AppServices, narration: NarrationController,
                 reading_view: ReadingView, transport: TransportBar, pregen: PregenBar,
                 current: Callable[[], OpenedBook | None], on_appearance_changed: Callable[[], None],
                 on_model_changed: Callable[[], None]) -> None:
        """window: the dialogs' parent; current: the book open in the window (None while none is);
        on_appearance_changed / on_model_changed: the window's reactions to edited settings and a new model."""
        super().__init__(window)
        self.window = window
        self.services = services
        self.narration = narration
        self.reading_view = reading_view
        self.transport = transport
        self.pregen = pregen
        self._current = current
        self._on_appearance_changed = on_appearance_changed
        self._on_model_changed = on_model_changed

    # -- settings ----------------------------------------------------------------------------------------
    @Slot()
    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.services.settings, self.window)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.edited_settings()))
        dialog.open()  # window-modal, without a nested event loop (tests drive it directly)
        return dialog

    def apply_settings(self, edited: Settings) -> set[str]:
        changed = self.services.apply_settings(edited)
        self._on_appearance_changed()
        if changed & NARRATOR_SETTINGS:
            self._on_model_changed()
        return changed

    # -- models and voices -------------------------------------------------------------------------------
    @Slot()
    def open_model_manager(self) -> ModelManagerDialog:
        dialog = ModelManagerDialog(self.services, self.window)
        dialog.modelChanged.connect(lambda _info: self._on_model_changed())
        dialog.open()
        return dialog

    @Slot()
    def open_voice_studio(self) -> QDialog:
        # Imported when first opened: the studio brings numpy and the voice library, which launch does not need.
        from reader_app.ui.voice_studio import VoiceStudioDialog

        dialog = VoiceStudioDialog(self.services, self.window)
        dialog.finished.connect(lambda _result: self.populate_voices())  # new voices appear in the chooser
        dialog.open()
        return dialog

    @Slot()
    def open_pronunciation(self) -> QDialog:
        from reader_app.ui.lexicon_dialog import LexiconDialog  # brings the lexicon (regex), not needed at launch

        opened = self._current()
        narrator = self.narration.narrator
        dialog = LexiconDialog(self.services, opened.book if opened else None, opened.cache if opened else None,
                               narrator if opened else None, self.window, on_apply=self._relexicon)
        dialog.applied.connect(lambda count: self.transport.set_status(
            f"Pronunciation applied: {count} sentence{'s' if count != 1 else ''} will be generated again."))
        dialog.open()
        return dialog

    def _relexicon(self) -> None:
        """A new configuration with the stored lexicon, as a voice change does: only changed keys are made."""
        opened, narrator = self._current(), self.narration.narrator
        if opened is not None and narrator is not None:
            narrator.set_config(self.services.narration_config(opened.book))

    def populate_voices(self) -> None:
        opened = self._current()
        if opened is None:
            return
        try:
            info = self.services.model_info()
        except (EngineError, OSError):  # an unusable model: only saved voices are offered
            info = None
        current = self.services.library.book_setting(opened.book_id, "voice_name", self.services.settings.voice)
        self.reading_view.voice.populate(info, current or "")

    @Slot(str)
    def set_voice(self, name: str) -> None:
        opened = self._current()
        if opened is None:
            return
        self.services.library.set_book_setting(opened.book_id, "voice_name", name)
        narrator = self.narration.narrator
        if narrator is not None:
            narrator.set_config(self.services.narration_config(opened.book))
        self.transport.set_status(f"Voice: {name or 'default'}")

    # -- pregeneration -------------------------------------------------------------------------------------
    @Slot()
    def generate_chapter(self) -> None:
        narrator = self.narration.narrator
        if narrator is not None:
            chapter = self.reading_view.chapter_of(narrator.cursor)
            self._generate(f"chapter {chapter + 1}", range(chapter, chapter + 1))

    @Slot()
    def generate_book(self) -> None:
        opened = self._current()
        if opened is not None:
            self._generate("the whole book", range(len(opened.book.chapters)))

    def _generate(self, what: str, chapters: range) -> None:
        provider = self.services.engine_provider()
        opened, narrator = self._current(), self.narration.narrator
        if opened is None or narrator is None or provider is None:
            self.transport.set_status("Choose a voice model first (Settings > Voice models…).")
            return
        if not self.pregen.start(what, opened.book, opened.cache, narrator.config, provider, chapters):
            self.transport.set_status("Audio is already being generated.")

    @Slot()
    def cancel_generation(self) -> None:
        self.pregen.cancel()

    # -- export ---------------------------------------------------------------------------------------------
    @Slot()
    def open_export(self) -> QDialog | None:
        opened = self._current()
        if opened is None:
            self.transport.set_status("Open a book to export it.")
            return None
        # Imported when first opened: the export brings PyAV (FFmpeg), which listening does not need.
        from reader_app.ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.services, opened, self.window)
        dialog.open()
        return dialog
