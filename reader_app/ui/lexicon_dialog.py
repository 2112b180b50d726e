"""Voices > Pronunciation…: the lexicon's entries (this book's and every book's), edited, listened to, applied.

Entries are stored as soon as they are added, changed or removed; the count says how many sentences of the
open book the changes since the narrator's configuration make again, and Apply (or Close) hands the narrator a
new configuration, so exactly those clips are generated again. "Listen" speaks the first sentence of the book
the entry matches, as the model will read it (or the replacement alone), in the narrator's voice, on the voice
studio's worker thread with the shared engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reader_app.books.language import TTS_LANGUAGES
from reader_app.books.model import Book
from reader_app.narration.narrator import Narrator
from reader_app.store.book_cache import BookCache
from reader_app.store.errors import StoreError
from reader_app.store.lexicon_store import EntryStore, GlobalLexicon, Scope, StoredEntry
from reader_app.studio.lexicon import Lexicon, LexiconEntry, LexiconError
from reader_app.studio.lexicon_impact import lexicon_impact, sample_text
from reader_app.tts.engine import EngineError
from reader_app.ui.services import AppServices
from reader_app.ui.voice_studio_worker import ClipPlayer, EngineCache, StudioWorker

COLUMNS = ("Scope", "Written", "Said", "Kind", "Rules", "")
SCOPE_NAMES = {Scope.BOOK: "This book", Scope.GLOBAL: "All books"}
EVERY_LANGUAGE = "Every language"


class LexiconDialog(QDialog):
    applied = Signal(int)  # the narrator was given the new lexicon: this many sentences are generated again
    spoken = Signal(str)  # a Listen sample was made (its text) and handed to the player

    def __init__(self, services: AppServices, book: Book | None = None, cache: BookCache | None = None,
                 narrator: Narrator | None = None, parent: QWidget | None = None, *,
                 on_apply: Callable[[], None] | None = None,
                 engine_factory: Callable[[str], Any] | None = None) -> None:
        """book, cache, narrator: the open book (None: only the global entries); on_apply: gives the narrator
        its new configuration; engine_factory: folder -> engine for Listen (default: the shared stock engine)."""
        super().__init__(parent)
        self.setWindowTitle("Pronunciation")
        self.services, self.book, self.cache, self.narrator = services, book, cache, narrator
        self._on_apply = on_apply
        self.glob = GlobalLexicon(services.library.data_dir)
        self.stores: dict[Scope, EntryStore] = {Scope.GLOBAL: self.glob}
        if cache is not None:
            self.stores[Scope.BOOK] = cache.lexicon
        self.rows: list[StoredEntry] = []
        self.worker = StudioWorker(EngineCache(engine_factory or self._load_engine), self)
        self.worker.finished_job.connect(self._job_done)
        self.worker.failed_job.connect(lambda _tag, message: self.show_status(message, error=True))
        self.player = ClipPlayer(services.make_output)
        self._build()
        self.refresh()
        self.resize(860, 520)

    # -- layout -----------------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        intro = QLabel("What the narrator says instead of a word or a pattern. The book's text is shown as written; "
                       "this book's entries come before those for all books.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column in (1, 2)
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)

        form = QFormLayout()
        self.pattern = QLineEdit(self)
        self.pattern.setPlaceholderText("as the book writes it: GIF, Hermione, (\\d+)km")
        self.replacement = QLineEdit(self)
        self.replacement.setPlaceholderText("what the narrator reads: jif, her-MY-oh-nee, \\1 kilometres")
        form.addRow("Written", self.pattern)
        form.addRow("Said", self.replacement)
        options = QHBoxLayout()
        self.is_regex = QCheckBox("Regular expression", self)
        self.match_case = QCheckBox("Match case", self)
        self.whole_word = QCheckBox("Whole words", self)
        self.whole_word.setChecked(True)
        self.is_regex.toggled.connect(lambda on: self.whole_word.setChecked(not on))
        self.language = QComboBox(self)
        self.language.addItems([EVERY_LANGUAGE, *TTS_LANGUAGES.values()])
        self.scope = QComboBox(self)
        for scope in (Scope.BOOK, Scope.GLOBAL):
            if scope in self.stores:
                self.scope.addItem(SCOPE_NAMES[scope], scope)
        for widget in (self.is_regex, self.match_case, self.whole_word, self.language, self.scope):
            options.addWidget(widget)
        options.addStretch(1)
        form.addRow("Rules", options)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add", self)
        self.update_button = QPushButton("&Save changes", self)
        self.remove_button = QPushButton("&Remove", self)
        self.add_button.clicked.connect(self.add_entry)
        self.update_button.clicked.connect(self.update_entry)
        self.remove_button.clicked.connect(self.remove_entry)
        for button in (self.add_button, self.update_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.count = QLabel(self)  # what Apply will cost: the sentences of this book generated again
        self.count.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.count)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Close, self)
        self.apply_button = box.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.clicked.connect(self.apply)
        box.rejected.connect(self.close)
        layout.addWidget(box)

    # -- the table --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the stores again, refill the table and the count."""
        rows: list[StoredEntry] = []
        for scope in (Scope.BOOK, Scope.GLOBAL):
            store = self.stores.get(scope)
            if store is not None:
                try:
                    rows += store.entries()
                except StoreError as exc:
                    self.show_status(str(exc), error=True)
        self.rows = rows
        self.table.setRowCount(len(rows))
        for row, stored in enumerate(rows):
            entry = stored.entry
            rules = [*(["match case"] if entry.match_case else []),
                     "whole words" if entry.whole_word else "any part", entry.language or "all languages"]
            for column, text in enumerate((SCOPE_NAMES[stored.scope], entry.pattern, entry.replacement,
                                           entry.kind, ", ".join(rules))):
                self.table.setItem(row, column, QTableWidgetItem(text))
            listen = QPushButton("Listen", self.table)
            listen.setToolTip("Hear the first sentence of the book it changes, as the narrator will read it")
            listen.clicked.connect(lambda _checked=False, e=entry: self.listen(e))
            self.table.setCellWidget(row, len(COLUMNS) - 1, listen)
        self._update_count()

    def lexicon(self) -> Lexicon | None:
        """The lexicon as stored now: this book's entries, then every book's."""
        return Lexicon.of([s.entry for s in self.rows if s.scope is Scope.BOOK],
                          [s.entry for s in self.rows if s.scope is Scope.GLOBAL])

    def _narrated(self) -> Lexicon | None:
        if self.narrator is None:
            return None
        current = self.narrator.config.studio.lexicon
        return current if isinstance(current, Lexicon) else None

    def _language(self) -> str:
        if self.narrator is not None:
            return self.narrator.config.language
        return self.book.tts_language if self.book is not None else "auto"

    def pending(self) -> int:
        """Sentences of the open book that applying the stored lexicon generates again."""
        if self.book is None or self.narrator is None:
            return 0
        return lexicon_impact(self.book.sentences(), self._narrated(), self.lexicon(), self._language()).count

    def _update_count(self) -> None:
        if self.book is None or self.narrator is None:
            self.count.setText("")
            self.apply_button.setEnabled(False)
            return
        impact = lexicon_impact(self.book.sentences(), self._narrated(), self.lexicon(), self._language())
        self.count.setText(impact.summary() + ".")
        self.apply_button.setEnabled(impact.count > 0 or self._narrated() != self.lexicon())

    def _selected(self) -> None:
        stored = self.selected()
        if stored is None:
            return
        entry = stored.entry
        self.pattern.setText(entry.pattern)
        self.replacement.setText(entry.replacement)
        self.is_regex.setChecked(entry.regex)
        self.match_case.setChecked(entry.match_case)
        self.whole_word.setChecked(entry.whole_word)
        self.language.setCurrentText(entry.language or EVERY_LANGUAGE)
        self.scope.setCurrentIndex(max(self.scope.findData(stored.scope), 0))

    def selected(self) -> StoredEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows and rows[0].row() < len(self.rows) else None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    # -- editing ----------------------------------------------------------------------------------------
    def form_entry(self) -> LexiconEntry | None:
        """The entry the form describes; None (and the reason in the status line) when it is refused."""
        language = self.language.currentText()
        try:
            return LexiconEntry(self.pattern.text(), self.replacement.text(), self.is_regex.isChecked(),
                                self.match_case.isChecked(), self.whole_word.isChecked(),
                                None if language == EVERY_LANGUAGE else language)
        except LexiconError as exc:
            self.show_status(f"Not added: {exc}.", error=True)
            return None

    def chosen_scope(self) -> Scope:
        return Scope(self.scope.currentData() or Scope.GLOBAL)  # Qt hands the enum back as a plain string

    def _store(self) -> EntryStore:
        return self.stores[self.chosen_scope()]

    def add_entry(self) -> None:
        entry = self.form_entry()
        if entry is not None and self._changed(lambda: self._store().add(entry)):
            self.show_status(f"Added: {entry.pattern} → {entry.replacement}.")

    def update_entry(self) -> None:
        stored, entry = self.selected(), self.form_entry()
        if stored is None or entry is None:
            if stored is None:
                self.show_status("Choose an entry in the table first.", error=True)
            return
        target = self.chosen_scope()

        def change() -> None:
            if target is stored.scope:
                self.stores[target].update(stored.id, entry)
            else:  # moved to the other scope
                self.stores[target].add(entry)
                self.stores[stored.scope].remove(stored.id)

        if self._changed(change):
            self.show_status(f"Changed: {entry.pattern} → {entry.replacement}.")

    def remove_entry(self) -> None:
        stored = self.selected()
        if stored is None:
            self.show_status("Choose an entry in the table first.", error=True)
        elif self._changed(lambda: self.stores[stored.scope].remove(stored.id)):
            self.show_status(f"Removed: {stored.entry.pattern}.")

    def _changed(self, change: Callable[[], object]) -> bool:
        try:
            change()
        except (StoreError, LexiconError, OSError) as exc:
            self.show_status(str(exc), error=True)
            return False
        self.refresh()
        return True

    def apply(self) -> int:
        """Give the narrator the stored lexicon; returns how many sentences are generated again."""
        count = self.pending()
        if self._on_apply is not None and self.narrator is not None:
            self._on_apply()
        self._update_count()
        self.show_status(f"Applied: {count} sentence{'s' if count != 1 else ''} will be generated again.")
        self.applied.emit(count)
        return count

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if self.narrator is not None and self._narrated() != self.lexicon():
            self.apply()  # what is stored is what narrates: closing never leaves the two apart
        self.player.stop()
        self.worker.shutdown()
        super().closeEvent(event)

    # -- listening --------------------------------------------------------------------------------------
    def _load_engine(self, source: str) -> Any:
        """The narration's own engine when Listen uses what narrates (a folder, or a speech server's URL: already
        loaded, no second model, no torch in this process), else the studio's stock engine of that folder."""
        from reader_app.narration.engine_provider import studio_engine  # in its own process: no torch here

        provider = self.services.narration_engine_for(source)
        if provider is not None:
            return provider.get()
        return studio_engine(source, self.services.settings, self.services.engine_options)

    def listen(self, entry: LexiconEntry) -> None:
        try:
            info = self.services.model_info()
        except EngineError as exc:
            return self.show_status(str(exc), error=True)
        if info is None or self.narrator is None:
            return self.show_status("Open a book with a voice model to listen (Settings > Voice models…).",
                                    error=True)
        language = self._language()
        text = sample_text(self.book.sentences() if self.book else [], entry, self.lexicon(), language)
        voice = self.narrator.config.voice
        folder = self.services.narration_source() if info.on_server else str(info.path)
        self.show_status(f"Generating: “{text}”…")
        from reader_app.voices import library as voices

        self.worker.submit("listen", lambda engines: (voices.preview(engines.get(folder), voice, language, text),
                                                      text))

    def _job_done(self, _tag: str, result: Any) -> None:
        clip, text = result
        self.show_status(f"Listening: “{text}”")
        try:
            self.player.play(clip)
        except Exception as exc:  # noqa: BLE001 - no sound device: say so, the dialog goes on
            self.show_status(f"The sample cannot be played: {exc}", error=True)
        self.spoken.emit(text)

    def show_status(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.status.setText(text)
