"""The main window: the library and the reading view in a stack, the transport at the bottom.

It arranges the widgets, opens and closes books, and hands user intent to the objects it owns: playback
(PlaybackController) and what it opens (DialogLauncher). Parsing runs on a worker thread (BookLoader), narration
on the narrator's threads (through NarrationController signals), storage in the core `store` package.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reader_app.books.model import Book
from reader_app.books.options import ParseOptions
from reader_app.narration.controller import NarrationController
from reader_app.settings import ThemeName
from reader_app.tts.engine import EngineError
from reader_app.ui.book_loader import BookLoader
from reader_app.ui.book_session import OpenedBook, prepare_book
from reader_app.ui.bookmarks_panel import BookmarksPanel
from reader_app.ui.characters_panel import CharactersPanel
from reader_app.ui.dialogs import DialogLauncher
from reader_app.ui.generation_queue import GenerationQueueController
from reader_app.ui.library_view import LibraryView
from reader_app.ui.listening_time import ListeningTime
from reader_app.ui.menus import build_menus
from reader_app.ui.model_notice import ModelNotice
from reader_app.ui.playback import PlaybackController
from reader_app.ui.pregen_panel import PregenBar
from reader_app.ui.queue_panel import QueuePanel
from reader_app.ui.reading_view import ReadingView
from reader_app.ui.sentence_takes import SentenceTakes
from reader_app.ui.services import AppServices
from reader_app.ui.system import SystemIntegration
from reader_app.ui.text_view import SentenceTextView
from reader_app.ui.theme import apply_theme, theme_named
from reader_app.ui.transport_bar import TransportBar

if TYPE_CHECKING:  # annotation only: the cache module loads with the first book, on the loader's thread
    from reader_app.store.book_cache import BookCache

BOOK_FILTER = "Books (*.epub *.txt);;EPUB (*.epub);;Text (*.txt);;All files (*)"
BOOK_SUFFIXES = (".epub", ".txt")


class MainWindow(QMainWindow):
    """The window: it owns a PlaybackController (transport, keys, narration signals) and a DialogLauncher
    (settings, models, voices, pregeneration), and keeps the open book."""

    def __init__(self, services: AppServices) -> None:
        super().__init__()
        self.services = services
        self.opened: OpenedBook | None = None  # the book on the reading page
        self.controller = NarrationController(self)
        self.loader = BookLoader(self, prepare=lambda book: prepare_book(self.services, self.controller, book),
                                 options=lambda: ParseOptions(code_listings=self.services.settings.code_listings))
        self.setWindowTitle("Reader")
        self.resize(1180, 780)
        self.setAcceptDrops(True)
        self._build_body()
        self.playback = PlaybackController(services, self.controller, self.reading_view, self.transport,
                                           lambda: self.opened, self.refresh_model_notice, self)
        self.dialogs = DialogLauncher(self, services, self.controller, self.reading_view, self.transport,
                                      self.pregen, lambda: self.opened, self.sync_appearance, self.model_changed)
        self.listening = ListeningTime(services, self.controller, self.playback, self.transport, lambda: self.opened,
                                       self)  # times in the transport, ±30 s
        self.bookmarks = BookmarksPanel(self, services, self.playback, self.reading_view, lambda: self.opened)
        self.characters = CharactersPanel(self, services, self.playback, lambda: self.opened)
        self.actions_ = build_menus(self, self.playback, self.dialogs)
        self.takes = SentenceTakes(self)  # regenerate a sentence: its context menu, keys, Playback menu
        self.generation_queue = GenerationQueueController(services, self.controller, self)
        self.queue_panel = QueuePanel(self.generation_queue, self.library_view)
        self.library_view.add_section(self.queue_panel)
        self._connect()
        self.system = SystemIntegration(self)  # MPRIS media controls, the tray icon
        self.sync_appearance()
        self.refresh_model_notice()
        self.library_view.refresh()
        self.show_store_notices()
        if self.generation_queue.queue.notice:
            self.playback.show_problem(self.generation_queue.queue.notice)

    @property
    def book(self) -> Book | None:
        return self.opened.book if self.opened is not None else None

    @property
    def book_id(self) -> str | None:
        return self.opened.book_id if self.opened is not None else None

    @property
    def cache(self) -> BookCache | None:
        return self.opened.cache if self.opened is not None else None

    # -- layout ----------------------------------------------------------------------------------------
    def _build_body(self) -> None:
        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        # Above both pages: without a model nothing new can be narrated, wherever the reader is.
        self.notice: ModelNotice = ModelNotice(central)
        outer.addWidget(self.notice)
        self.stack: QStackedWidget = QStackedWidget(central)
        outer.addWidget(self.stack, 1)
        self.library_view: LibraryView = LibraryView(self.services.library, self.stack)
        reading = QWidget(self.stack)
        layout = QVBoxLayout(reading)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(6)
        self.reading_view: ReadingView = ReadingView(reading)
        self.text_view: SentenceTextView = self.reading_view.text_view
        layout.addWidget(self.reading_view, 1)
        self.pregen: PregenBar = PregenBar(reading)
        layout.addWidget(self.pregen)
        self.transport: TransportBar = TransportBar(reading)
        layout.addWidget(self.transport)
        self.stack.addWidget(self.library_view)
        self.stack.addWidget(reading)
        self.reading_page: QWidget = reading
        self.setCentralWidget(central)

    def _connect(self) -> None:
        self.notice.chooseFolder.connect(self.dialogs.open_model_manager)
        self.reading_view.voice.voiceChosen.connect(self.dialogs.set_voice)
        self.library_view.openRequested.connect(self.open_book)
        self.library_view.openFileRequested.connect(self.choose_book)
        self.library_view.removeRequested.connect(self.remove_book)
        self.library_view.queueRequested.connect(self.generation_queue.add_book)
        self.generation_queue.runEnded.connect(
            lambda _id: self.library_view.refresh() if self.stack.currentWidget() is self.library_view else None)
        self.loader.loaded.connect(self._book_loaded)
        self.loader.failed.connect(self._book_failed)

    # -- pages -------------------------------------------------------------------------------------------
    @Slot()
    def show_library(self) -> None:
        self.playback.save_position()
        self.library_view.refresh()
        if self.book_id:
            self.library_view.select(self.book_id)
        self.stack.setCurrentWidget(self.library_view)

    @Slot()
    def show_reading(self) -> None:
        if self.book is not None:
            self.stack.setCurrentWidget(self.reading_page)

    # -- appearance ------------------------------------------------------------------------------------------
    def apply_appearance(self) -> None:
        settings = self.services.settings
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme = apply_theme(app, settings.theme)
        else:  # no widgets application (never in the app itself): the colours alone
            theme = theme_named(settings.theme)
        self.reading_view.set_highlight_color(theme.highlight)
        self.transport.set_icon_color(theme.text)
        self.text_view.auto_scroll = settings.auto_scroll
        if self.reading_view.font_size != settings.font_size:
            self.reading_view.set_font_size(settings.font_size)
        self.notice.set_dark(theme.name == ThemeName.DARK)

    def sync_appearance(self) -> None:
        """The checkable actions and the widgets follow the settings (at start and after the dialog)."""
        settings = self.services.settings
        self.actions_.dark.setChecked(settings.theme == ThemeName.DARK)
        self.actions_.follow.setChecked(settings.auto_scroll)
        self.apply_appearance()

    def set_theme(self, name: str) -> None:
        theme = ThemeName(name)
        self.services.settings.theme = theme
        self.services.save()
        self.apply_appearance()
        dark = theme == ThemeName.DARK
        if self.actions_.dark.isChecked() != dark:
            self.actions_.dark.setChecked(dark)

    def change_font_size(self, step: int) -> None:
        settings = self.services.settings
        settings.font_size = min(max(settings.font_size + step, 8), 40)
        self.services.save()
        self.apply_appearance()

    @Slot(bool)
    def set_auto_scroll(self, on: bool) -> None:
        self.services.settings.auto_scroll = on
        self.text_view.auto_scroll = on
        self.services.save()
        if on and self.controller.narrator is not None:
            self.reading_view.show_sentence(self.controller.narrator.cursor)

    @Slot()
    def open_find(self) -> None:
        if self.book is not None:
            self.show_reading()
            self.reading_view.find_bar.open()

    # -- books -------------------------------------------------------------------------------------------
    @Slot()
    def choose_book(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a book", str(Path.home()), BOOK_FILTER)
        if path:
            self.open_book(Path(path))

    def open_book(self, path: Path) -> None:
        self.transport.set_status(f"Opening {Path(path).name}…")
        self.loader.load(Path(path))

    @Slot(object)
    def _book_loaded(self, opened: OpenedBook) -> None:
        """The book was parsed and prepared on the loader's thread; here only widgets are filled."""
        if not self.loader.claim(opened):
            return  # the window closed meanwhile
        self._close_book()
        self.opened = opened
        book = opened.book
        self.controller.adopt(opened.narrator)  # built off the GUI thread, already listening to the controller
        self.reading_view.set_book(book)
        self.setWindowTitle(f"{book.title} — Reader")
        self.playback.apply_audio_settings(opened.narrator)
        opened.narrator.seek(opened.start)
        self.playback.show_sentence(opened.start)
        self.listening.book_changed()
        self.bookmarks.book_changed()
        self.characters.book_changed()
        self.reading_view.voice.populate(opened.model_info, opened.voice_name, opened.voices)
        self.transport.set_enabled(book.sentence_count() > 0)
        self.playback.say(f"{_count(book.sentence_count(), 'sentence')} in {_count(len(book.chapters), 'chapter')}")
        self.show_store_notices()  # e.g. its damaged cache was set aside and rebuilt
        if opened.voice_problem:  # the book's voice does not fit the model: the chooser shows the one used
            self.playback.show_problem(opened.voice_problem)
        for warning in book.warnings:  # e.g. a language the model does not speak
            self.playback.show_problem(warning)
        self.stack.setCurrentWidget(self.reading_page)

    def show_store_notices(self) -> None:
        """What the store had to do (a damaged file set aside, a read-only folder): in the status line, once."""
        notices = self.services.library.take_notices()
        if notices:
            self.playback.show_problem(" · ".join(notice.message for notice in notices))

    @Slot(str)
    def _book_failed(self, message: str) -> None:
        self.transport.set_status("Could not open the book.")
        QMessageBox.warning(self, "Could not open the book", message)

    def _close_book(self) -> None:
        self.playback.save_position()
        self.listening.save_time_left()  # for the library card
        self.pregen.cancel()
        self.controller.close()
        if self.opened is not None:
            self.opened.cache.close()
            self.opened = None

    @Slot(str)
    def remove_book(self, book_id: str) -> None:
        if book_id == self.book_id:
            self._close_book()
            self.transport.set_enabled(False)
            self.setWindowTitle("Reader")
        self.generation_queue.remove_book(book_id)
        self.services.library.remove_book(book_id)
        self.library_view.refresh()
        self.stack.setCurrentWidget(self.library_view)

    # -- model -------------------------------------------------------------------------------------------
    def set_model_folder(self, folder: str) -> None:
        try:
            self.services.set_model_path(folder)
        except (EngineError, OSError) as exc:  # an invalid folder: say why, keep the old setting
            QMessageBox.warning(self, "Not a usable model folder", str(exc))
            return
        self.model_changed()

    def model_changed(self) -> None:
        """A new model or new narration settings: the notice, the narrator and the voice chooser follow."""
        self.refresh_model_notice()
        narrator = self.controller.narrator
        if self.opened is not None and narrator is not None:
            narrator.engine_provider = self.services.engine_provider()
            narrator.set_config(self.services.narration_config(self.opened.book))
            self.dialogs.populate_voices()

    def refresh_model_notice(self) -> None:
        problem = self.services.model_problem()
        self.notice.setVisible(problem is not None)
        if problem is not None:
            self.notice.set_problem(problem)

    # -- window events -------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.toLocalFile().lower().endswith(BOOK_SUFFIXES) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.toLocalFile().lower().endswith(BOOK_SUFFIXES):
                self.open_book(Path(url.toLocalFile()))
                break

    def quit_app(self) -> None:
        """Quit for real, even with close_to_tray (File > Quit, the tray's Quit, MPRIS Quit)."""
        self.system.quit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.system.hide_instead_of_closing():  # close_to_tray: playback goes on, the tray brings it back
            event.ignore()
            return
        self.system.shutdown()
        self.playback.shutdown()
        self.takes.shutdown()
        self.generation_queue.shutdown()
        self._close_book()
        self.loader.shutdown()
        super().closeEvent(event)


def _count(n: int, noun: str) -> str:
    """'1 chapter', '9 sentences'."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
