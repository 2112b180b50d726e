"""The window's generation queue: books queued from the library are generated in the background, one at a time,
while the open book's playback look-ahead comes first; the queue survives a restart (narration/pregen_queue.py).

It owns the queue (the model and its file), a QueueRunner (the worker) and a timer that decides, twice a second,
whether to start the next entry or to make the running one wait because the listener needs the engine.
"""

from __future__ import annotations

import dataclasses
import logging

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from reader_app.narration.controller import NarrationController
from reader_app.narration.pregen import NO_MODEL_TO_GENERATE
from reader_app.narration.pregen_queue import EntryStatus, GenerationQueue, QueueEntry, playback_has_priority
from reader_app.narration.queue_runner import Outcome, QueueJob, QueueRunner
from reader_app.paths import path_from_text, path_to_text
from reader_app.tts.engine import EngineError
from reader_app.ui.services import AppServices

log = logging.getLogger(__name__)

TICK_MS = 500  # how often the queue looks at the playback and its own turn
GAP_LOOKUP = 200  # sentences ahead of the listener looked at for one still to be made


class GenerationQueueController(QObject):
    changed = Signal()  # entries, their order, status or progress changed: the panel redraws
    runEnded = Signal(str)  # book id: a run ended (the library's cached-audio lines are stale)

    def __init__(self, services: AppServices, narration: NarrationController, parent: QObject | None = None,
                 autostart: bool = True) -> None:
        """autostart: run entries as soon as they are runnable (tests and the screenshot turn it off to look at
        a queue standing still)."""
        super().__init__(parent)
        self.services = services
        self.narration = narration
        self.queue = GenerationQueue.in_folder(services.library.data_dir)
        self.runner = QueueRunner(self._prepare, self)
        self.runner.progress.connect(self._progress)
        self.runner.finished.connect(self._finished)
        self.waiting_for_playback = False  # the running entry was interrupted because playback came first
        self.autostart = autostart
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._timer.start()

    # -- what the panel and the library ask for ------------------------------------------------------------
    def add_book(self, book_id: str, first_chapter: int = 0, last_chapter: int | None = None) -> QueueEntry | None:
        """Queue a library book with the current model and the book's voice; None if the library has no such
        book."""
        library, settings = self.services.library, self.services.settings
        record = library.get_book(book_id)
        if record is None:
            return None
        voice = library.book_setting(book_id, "voice_name", settings.voice) or ""
        entry = self.queue.add(book_id, path_to_text(record.path), record.title, first_chapter, last_chapter,
                               self.services.narration_source(), voice)
        self.changed.emit()
        self.tick()
        return entry

    def set_paused(self, entry_id: str, paused: bool) -> None:
        self.queue.set_paused(entry_id, paused)
        if paused and self.runner.entry_id == entry_id:
            self.runner.interrupt()
        self.changed.emit()
        self.tick()

    def remove(self, entry_id: str) -> None:
        if self.runner.entry_id == entry_id:
            self.runner.interrupt()
        self.queue.remove(entry_id)
        self.changed.emit()

    def remove_book(self, book_id: str) -> None:
        """The book leaves the library: its entries go, and a run on it ends before its cache is deleted."""
        running = self.running_entry
        self.queue.remove_book(book_id)
        if running is not None and running.book_id == book_id:
            self.runner.interrupt()
            self.runner.wait(10.0)
        self.changed.emit()

    def move(self, entry_id: str, step: int) -> None:
        self.queue.move(entry_id, step)
        self.changed.emit()

    def clear_finished(self) -> None:
        self.queue.clear_finished()
        self.changed.emit()

    @property
    def running_entry(self) -> QueueEntry | None:
        entry_id = self.runner.entry_id if self.runner.running else None
        return self.queue.get(entry_id) if entry_id else None

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """The window closes: the running entry stops after its chunk or batch (it runs again next start)."""
        self._closed = True
        self._timer.stop()
        self.runner.interrupt()
        self.runner.wait(timeout_s)

    # -- the turn ----------------------------------------------------------------------------------------
    def playback_needs_engine(self) -> bool:
        narrator = self.narration.narrator
        if narrator is None:
            return False
        cursor, count = narrator.cursor, len(narrator.sentences)
        end = min(cursor + GAP_LOOKUP, count)
        gap = next((True for i in range(cursor, end) if not narrator.is_ready(i)), False)
        return playback_has_priority(narrator.state, narrator.ready_ahead_s(), narrator.config.lookahead_s, gap)

    @Slot()
    def tick(self) -> None:
        if self._closed:
            return
        if self.runner.running:
            if self.playback_needs_engine():
                self.waiting_for_playback = True
                self.runner.interrupt()
            return
        if not self.autostart or self.playback_needs_engine():
            return
        self.waiting_for_playback = False
        entry = self.queue.next_runnable()
        if entry is not None and self.runner.start(entry):
            self.queue.update(entry.id, status=EntryStatus.RUNNING, message="")
            self.changed.emit()

    @Slot(str, int, int)
    def _progress(self, entry_id: str, done: int, total: int) -> None:
        if self.queue.get(entry_id) is not None:
            self.queue.update(entry_id, done=done, total=total)
            self.changed.emit()

    @Slot(str, str, str)
    def _finished(self, entry_id: str, outcome: str, message: str) -> None:
        entry = self.queue.get(entry_id)
        if entry is not None:
            if outcome == Outcome.DONE:
                entry = self.queue.update(entry_id, status=EntryStatus.DONE, message=message,
                                          done=max(entry.done, entry.total))
            elif outcome == Outcome.FAILED:
                entry = self.queue.update(entry_id, status=EntryStatus.FAILED, message=message)
            elif entry.status is EntryStatus.RUNNING:  # interrupted for playback or closing: its turn comes again
                entry = self.queue.update(entry_id, status=EntryStatus.QUEUED)
        if self._closed:  # the window closed meanwhile: the queue is saved, there is nothing to show
            return
        if entry is not None:
            self.runEnded.emit(entry.book_id)
        self.changed.emit()
        QTimer.singleShot(0, self, self.tick)  # the next entry, unless playback needs the engine

    # -- on the worker thread ----------------------------------------------------------------------------------
    def _prepare(self, entry: QueueEntry) -> QueueJob:
        """The entry's book, cache, config and engine; raises with a one-line reason when it cannot run."""
        from reader_app.books import load_book
        from reader_app.narration.session import narration_config, resolve_voice, studio_choices
        from reader_app.tts.fast.config import audio_affecting

        services, settings = self.services, self.services.settings
        source = entry.model_path or services.narration_source()  # a model folder or a speech server's URL
        if not source:
            raise EngineError(NO_MODEL_TO_GENERATE)
        info, provider = services.source_engine(source)  # EngineError says what is wrong with it
        try:
            voice = resolve_voice(info, entry.voice_name)
        except EngineError as exc:  # a voice deleted since it was queued: the model's default, as when playing
            log.warning("%s", exc)
            voice = resolve_voice(info, "")
        book = load_book(path_from_text(entry.path))
        options = services.engine_options
        cache = services.library.open_book_cache(book)
        try:  # with the book's studio choices (takes, lexicon, characters): the clips the player looks for
            studio = studio_choices(services.library, book.fingerprint, info, voice)
        except BaseException:
            cache.close()
            raise
        config = dataclasses.replace(narration_config(settings, book, info.model_id, voice, audio_affecting(options)),
                                     studio=studio)
        return QueueJob(book, cache, config, provider, entry.chapters(len(book.chapters)), close=cache.close)


def describe_entry(entry: QueueEntry, running: bool, waiting: bool) -> str:
    """One line for the panel: where the entry stands."""
    progress = f"{entry.done} / {entry.total} sentences" if entry.total else "not started"
    if entry.status is EntryStatus.DONE:
        return "done" + (f" · {entry.message}" if entry.message else "")
    if entry.status is EntryStatus.FAILED:
        return f"failed: {entry.message}"
    if entry.status is EntryStatus.PAUSED:
        return f"paused · {progress}"
    if running:
        return f"generating · {progress if entry.total else 'preparing…'}"
    if waiting:
        return f"waiting for playback · {progress}"
    return f"queued · {progress}"

