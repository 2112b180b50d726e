"""The Characters panel (Voices > Characters…): a dock beside the page, per book.

The characters found in the book's dialogue with their line counts (reader_app/studio: detection runs the first
time the panel opens a book, then is read from the book's cache), a voice chooser per character (every saved
voice: preset, designed, cloned; those the model cannot speak are marked and not used), and the lines of the
character selected, where the reader corrects who speaks a line. Each change is stored at once and the open
narrator's config rebuilt, so only the lines whose voice changed are generated again.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reader_app.store.errors import StoreError
from reader_app.studio import cast
from reader_app.studio.chat import ChatEndpoint, ChatError
from reader_app.tts.engine import EngineError
from reader_app.ui.book_session import OpenedBook
from reader_app.ui.bookmarks_panel import snippet
from reader_app.ui.playback import PlaybackController
from reader_app.ui.services import AppServices
from reader_app.ui.voice_chooser import saved_voices
from reader_app.voices.compat import mismatch

NARRATOR = "(narrator)"
SENTENCE_ROLE = Qt.ItemDataRole.UserRole


class CharactersPanel(QDockWidget):
    def __init__(self, window: QMainWindow, services: AppServices, playback: PlaybackController,
                 current: Callable[[], OpenedBook | None]) -> None:
        super().__init__("Characters", window)
        self.setObjectName("charactersPanel")
        self.services = services
        self.playback = playback
        self._current = current
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        self.summary = QLabel("", body)
        self.summary.setObjectName("muted")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTreeWidget(body)
        self.table.setHeaderLabels(["Character", "Lines", "Voice"])
        self.table.setRootIsDecorated(False)
        self.table.setColumnWidth(0, 130)
        self.table.setColumnWidth(1, 50)
        layout.addWidget(self.table, 2)
        layout.addWidget(QLabel("Lines of the character selected:", body))
        self.lines = QListWidget(body)
        self.lines.setWordWrap(True)
        self.lines.setAlternatingRowColors(True)
        layout.addWidget(self.lines, 3)
        row = QHBoxLayout()
        row.addWidget(QLabel("Spoken by", body))
        self.speaker = QComboBox(body)
        self.speaker.setEditable(True)  # a character the rules missed can be named here
        self.speaker.setToolTip("Who speaks the selected line (type a new name, or choose the narrator)")
        row.addWidget(self.speaker, 1)
        self.set_button = QPushButton("Set", body)
        row.addWidget(self.set_button)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton("Find again", body)
        self.refresh_button.setToolTip("Find the speakers again; the lines you corrected are kept")
        self.chat_button = QPushButton("Ask the chat model", body)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.chat_button)
        layout.addLayout(buttons)
        self.setWidget(body)
        self.setMinimumWidth(340)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self)
        self.hide()
        self.table.currentItemChanged.connect(lambda *_: self.show_lines())
        self.set_button.clicked.connect(self.correct_selected)
        self.refresh_button.clicked.connect(lambda: self.detect(refresh=True))
        self.chat_button.clicked.connect(self.ask_chat)

    # -- the book ------------------------------------------------------------------------------------------
    def open(self) -> None:
        """Voices > Characters…: find the speakers if the book's cache has none yet, and show the panel."""
        self.detect()
        self.show()
        self.raise_()

    def book_changed(self) -> None:
        if self.isVisible():
            self.detect()

    def detect(self, refresh: bool = False, chat: ChatEndpoint | None = None) -> None:
        opened = self._current()
        if opened is not None:
            try:
                cast.detect(opened.book, opened.cache, refresh=refresh, chat=chat)
            except (StoreError, ChatError) as exc:
                self.playback.show_problem(f"Could not find the speakers: {exc}")
            if refresh or chat is not None:
                self._apply()
        self.refresh()

    @Slot()
    def ask_chat(self) -> None:
        s = self.services.settings
        try:
            endpoint = ChatEndpoint.from_settings(s.attribution_endpoint, s.attribution_model, s.attribution_key_env)
        except ChatError as exc:
            self.playback.show_problem(str(exc))
            return
        self.detect(chat=endpoint)

    def refresh(self) -> None:
        opened = self._current()
        selected = self.selected_name()
        self.table.clear()
        self.chat_button.setEnabled(bool(self.services.settings.attribution_endpoint))
        if opened is None:
            self.summary.setText("Open a book to see its characters.")
            return
        try:
            members = cast.cast(opened.cache)
        except StoreError as exc:
            self.playback.show_problem(f"Could not read the characters: {exc}")
            members = []
        total = sum(m.lines for m in members)
        self.summary.setText(f"{len(members)} characters speak {total} lines of {opened.book.title!r}; the "
                             "narrator reads everything else." if members else
                             "No dialogue found in this book: the narrator reads it all.")
        choices = self._voice_choices()
        for member in members:
            item = QTreeWidgetItem([member.name, str(member.lines), ""])
            item.setToolTip(0, f"{member.name}: {member.lines} lines, mean confidence {member.confidence:.2f}")
            self.table.addTopLevelItem(item)
            self.table.setItemWidget(item, 2, self._voice_box(member.name, member.voice, choices))
            if member.name == selected:
                self.table.setCurrentItem(item)
        self.speaker.clear()
        self.speaker.addItems([NARRATOR, *[m.name for m in members]])
        first = self.table.topLevelItem(0)
        if self.table.currentItem() is None and first is not None:
            self.table.setCurrentItem(first)
        self.show_lines()

    def _voice_choices(self) -> list[tuple[str, str | None]]:
        """(voice name, why the model cannot speak it or None) for every saved voice."""
        try:
            info = self.services.model_info()
        except (EngineError, OSError):
            info = None
        return [(v.name, mismatch(v.kind, info.kind, v.name) if info is not None else None)
                for v in saved_voices()]

    def _voice_box(self, name: str, current: str | None, choices: list[tuple[str, str | None]]) -> QComboBox:
        box = QComboBox(self.table)
        box.addItem(NARRATOR, "")
        for voice, problem in choices:
            box.addItem(voice if problem is None else f"{voice} (not this model)", voice)
            if problem is not None:
                box.setItemData(box.count() - 1, problem, Qt.ItemDataRole.ToolTipRole)
        index = box.findData(current or "")
        if current and index < 0:  # a voice since deleted: shown, so the reader sees why it is not heard
            box.addItem(f"{current} (missing)", current)
            index = box.count() - 1
        box.setCurrentIndex(max(index, 0))
        box.setObjectName(f"voice:{name}")
        box.activated.connect(lambda _i, n=name, b=box: self.assign(n, b.currentData() or None))
        return box

    def voice_box(self, name: str) -> QComboBox | None:
        for i in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(i)
            if item is not None and item.text(0) == name:
                widget = self.table.itemWidget(item, 2)
                return widget if isinstance(widget, QComboBox) else None
        return None

    def selected_name(self) -> str | None:
        item = self.table.currentItem()
        return item.text(0) if item is not None else None

    @Slot()
    def show_lines(self) -> None:
        self.lines.clear()
        opened, name = self._current(), self.selected_name()
        if opened is None or name is None:
            return
        for sentence, line in cast.lines_of(opened.book, opened.cache, name):
            item = QListWidgetItem(f"{sentence.chapter_index + 1}:{sentence.index + 1}  {snippet(sentence.text)}"
                                   f"  · {line.source} {line.confidence:.2f}")
            item.setData(SENTENCE_ROLE, sentence.id)
            self.lines.addItem(item)

    # -- intent --------------------------------------------------------------------------------------------
    def assign(self, name: str, voice: str | None) -> None:
        opened = self._current()
        if opened is None:
            return
        try:
            opened.cache.characters.assign(name, voice)
        except StoreError as exc:
            self.playback.show_problem(f"Voice not changed: {exc}")
            return
        self._apply()
        self.playback.say(f"{name}: {voice or 'the narrator'}")

    @Slot()
    def correct_selected(self) -> None:
        opened, item = self._current(), self.lines.currentItem()
        if opened is None or item is None:
            return
        name = self.speaker.currentText().strip()
        try:
            opened.cache.characters.set_speaker(item.data(SENTENCE_ROLE), None if name in ("", NARRATOR) else name)
        except (StoreError, ValueError) as exc:
            self.playback.show_problem(f"Speaker not changed: {exc}")
            return
        self._apply()
        self.refresh()

    def _apply(self) -> None:
        """The open narrator takes the new voices: only the lines whose voice changed get new clip keys."""
        opened, narrator = self._current(), self.playback.narrator
        if opened is not None and narrator is not None:
            narrator.set_config(self.services.narration_config(opened.book))
