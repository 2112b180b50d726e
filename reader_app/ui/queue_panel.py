"""The "Generation queue" section of the library: each queued book with its progress, and pause / resume,
move up / down, remove, clear finished. It shows a GenerationQueueController and hands it what is clicked."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reader_app.narration.pregen_queue import EntryStatus, QueueEntry
from reader_app.ui.generation_queue import GenerationQueueController, describe_entry

ENTRY_ROLE = Qt.ItemDataRole.UserRole
COLUMNS = ("Book", "Chapters", "Progress", "Status")


def chapters_text(entry: QueueEntry) -> str:
    first = entry.first_chapter + 1
    if entry.last_chapter is None:
        return "all" if entry.first_chapter == 0 else f"{first} to the end"
    last = entry.last_chapter + 1
    return f"{first}" if last == first else f"{first}–{last}"


class QueuePanel(QFrame):
    def __init__(self, controller: GenerationQueueController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generationQueue")
        self.controller = controller
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        header = QHBoxLayout()
        title = QLabel("Generation queue", self)
        title.setObjectName("sectionTitle")
        header.addWidget(title)
        self.summary = QLabel("", self)
        self.summary.setObjectName("muted")
        header.addWidget(self.summary, 1)
        self.pause_button = QPushButton("Pause", self)
        self.up_button = QPushButton("Move up", self)
        self.down_button = QPushButton("Move down", self)
        self.remove_button = QPushButton("Remove", self)
        self.clear_button = QPushButton("Clear finished", self)
        for button in (self.pause_button, self.up_button, self.down_button, self.remove_button, self.clear_button):
            header.addWidget(button)
        layout.addLayout(header)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setColumnWidth(0, 320)
        self.tree.setColumnWidth(1, 90)
        self.tree.setColumnWidth(2, 200)
        self.tree.setMaximumHeight(170)
        layout.addWidget(self.tree)
        self.pause_button.clicked.connect(self._toggle_pause)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.remove_button.clicked.connect(self._remove)
        self.clear_button.clicked.connect(controller.clear_finished)
        self.tree.itemSelectionChanged.connect(self._sync_buttons)
        controller.changed.connect(self.refresh)
        self.refresh()

    def selected_id(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, ENTRY_ROLE) if items else None

    def select(self, entry_id: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, ENTRY_ROLE) == entry_id:
                self.tree.setCurrentItem(item)

    @Slot()
    def refresh(self) -> None:
        chosen = self.selected_id()
        entries = self.controller.queue.entries
        running = self.controller.running_entry
        waiting = self.controller.waiting_for_playback
        self.tree.clear()
        next_up = self.controller.queue.next_runnable()
        for entry in entries:
            is_running = running is not None and running.id == entry.id
            status = describe_entry(entry, is_running, waiting and next_up is not None and next_up.id == entry.id)
            item = QTreeWidgetItem([entry.title or "(untitled)", chapters_text(entry), "", status])
            item.setData(0, ENTRY_ROLE, entry.id)
            item.setToolTip(3, status)
            self.tree.addTopLevelItem(item)
            bar = QProgressBar(self.tree)
            bar.setRange(0, 1000)
            bar.setValue(int(entry.fraction * 1000))
            bar.setFormat(f"{entry.fraction:.0%}")
            self.tree.setItemWidget(item, 2, bar)
        active = sum(1 for e in entries if e.status is not EntryStatus.DONE)
        self.summary.setText(f"  {active} book{'s' if active != 1 else ''} to generate" if active
                             else "  all generated")
        self.setVisible(bool(entries))
        if chosen is not None:
            self.select(chosen)
        self._sync_buttons()

    @Slot()
    def _sync_buttons(self) -> None:
        entry_id = self.selected_id()
        entry = self.controller.queue.get(entry_id) if entry_id else None
        for button in (self.up_button, self.down_button, self.remove_button):
            button.setEnabled(entry is not None)
        resumable = entry is not None and entry.status in (EntryStatus.PAUSED, EntryStatus.FAILED)
        self.pause_button.setText("Resume" if resumable else "Pause")
        self.pause_button.setEnabled(entry is not None and entry.status is not EntryStatus.DONE)
        self.clear_button.setEnabled(any(e.status is EntryStatus.DONE for e in self.controller.queue.entries))

    @Slot()
    def _toggle_pause(self) -> None:
        entry_id = self.selected_id()
        entry = self.controller.queue.get(entry_id) if entry_id else None
        if entry is not None:
            self.controller.set_paused(entry.id, entry.runnable)

    def _move(self, step: int) -> None:
        entry_id = self.selected_id()
        if entry_id:
            self.controller.move(entry_id, step)

    @Slot()
    def _remove(self) -> None:
        entry_id = self.selected_id()
        if entry_id:
            self.controller.remove(entry_id)
