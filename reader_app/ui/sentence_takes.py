"""Regenerating sentences from the window: the reading view's context menu on a sentence ("Regenerate this
sentence", "Try 3 takes…", "Mark as bad"), keys for the sentence being heard, and "Regenerate marked sentences"
in the Playback menu.

Takes are made on a worker thread (workers.Job) through the window's engine provider, so the model the narrator
loaded is the one used (EngineRegistry). Once a take is kept, the narrator's config is rebuilt from the book's
cache (session.book_narration_config reads the kept takes): only that sentence's clip key changes, and the
sentence is played again so the new take is heard.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from reader_app.tts.engine import EngineError
from reader_app.ui.takes_dialog import TakesDialog
from reader_app.ui.voice_studio_worker import ClipPlayer
from reader_app.ui.workers import Job, run_job

if TYPE_CHECKING:  # main_window imports this module; the store loads with the first book, not at launch
    from reader_app.narration.takes import TakeMaker
    from reader_app.ui.main_window import MainWindow

TRY_TAKES = 3  # "Try 3 takes…"
REGENERATE_KEYS = ("Ctrl+Shift+R",)  # Ctrl+R is the reading view
MARK_BAD_KEYS = ("Ctrl+Shift+D",)


class SentenceTakes(QObject):
    kept = Signal(int)  # a sentence's kept take changed and the narrator uses it (tests wait on it)
    marked = Signal(int)  # a sentence was marked bad
    dialogOpened = Signal(object)  # the TakesDialog, once its takes are made

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.services = window.services
        self.text_view = window.text_view
        self.player = ClipPlayer(self.services.make_output)
        self.job: Job | None = None
        self._closing = threading.Event()  # stops a take being made when the window closes
        self.dialog: TakesDialog | None = None
        self.regenerate_heard = self._action("&Regenerate the sentence being heard", self._regenerate_heard,
                                             REGENERATE_KEYS)
        self.mark_heard = self._action("&Mark the sentence being heard as bad", self._mark_heard, MARK_BAD_KEYS)
        self.regenerate_marked_action = self._action("Regenerate &marked sentences", self.regenerate_marked)
        for menu_action in window.menuBar().actions():
            if menu_action.text() == "&Playback" and menu_action.menu() is not None:
                menu = menu_action.menu()
                assert isinstance(menu, QMenu)
                menu.addSeparator()
                for action in (self.regenerate_heard, self.mark_heard, self.regenerate_marked_action):
                    menu.addAction(action)
        self.text_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.text_view.customContextMenuRequested.connect(self._menu_requested)

    def _action(self, text: str, slot: Callable[[], None], keys: tuple[str, ...] = ()) -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    # -- the context menu ---------------------------------------------------------------------------------
    def sentence_menu(self, index: int) -> QMenu:
        """The menu of sentence `index` (reading order), with the page's own Copy and Select all after it."""
        menu = self.text_view.createStandardContextMenu()
        first = menu.actions()[0] if menu.actions() else None
        ours = [("Regenerate this sentence", lambda: self.regenerate(index)),
                (f"Try {TRY_TAKES} takes…", lambda: self.try_takes(index)),
                ("Mark as bad", lambda: self.mark_bad(index))]
        for text, slot in ours:
            action = QAction(text, menu)
            action.triggered.connect(slot)
            action.setEnabled(self.job is None or not self.job.running() or text == "Mark as bad")
            if first is not None:
                menu.insertAction(first, action)
            else:
                menu.addAction(action)
        if first is not None:
            menu.insertSeparator(first)
        menu.setObjectName("sentenceMenu")
        return menu

    @Slot(QPoint)
    def _menu_requested(self, pos: QPoint) -> None:
        index = self.text_view.sentence_at(self.text_view.cursorForPosition(pos).position())
        if index is None:
            self.text_view.createStandardContextMenu().exec(self.text_view.viewport().mapToGlobal(pos))
            return
        self.sentence_menu(index).exec(self.text_view.viewport().mapToGlobal(pos))

    # -- what the menu and keys do ------------------------------------------------------------------------
    def regenerate(self, index: int) -> None:
        """One new take, kept, and played."""
        maker = self._maker()
        if maker is not None:
            self._run(lambda: maker.make(index, 1), lambda result: self._use(result, replay=True),
                      f"Regenerating sentence {index + 1}…")

    def try_takes(self, index: int, count: int = TRY_TAKES) -> None:
        """`count` new takes, then a dialog to listen to each and keep one (the kept take stays until then)."""
        maker = self._maker()
        if maker is not None:
            kept = maker.record(index).kept
            self._run(lambda: maker.make(index, count, keep=kept), lambda result: self._choose(maker, result),
                      f"Making {count} takes of sentence {index + 1}…")

    def mark_bad(self, index: int) -> None:
        """Queued for regeneration: its new take is made when narration (or generation) reaches it."""
        maker = self._maker(need_engine=False)
        if maker is None:
            return
        try:
            maker.mark_bad(index)
        except _store_error() as exc:
            self.window.playback.show_problem(str(exc))
            return
        self._reconfigure()
        self.window.playback.say(f"Sentence {index + 1} marked as bad: it is made again when it is next played")
        self.marked.emit(index)

    @Slot()
    def regenerate_marked(self) -> None:
        maker = self._maker()
        if maker is None:
            return
        if not maker.marked_indices():
            self.window.playback.say("No sentence is marked as bad.")
            return
        self._run(maker.regenerate_marked, self._marked_done, "Regenerating the sentences marked as bad…")

    @Slot()
    def _regenerate_heard(self) -> None:
        narrator = self.window.controller.narrator
        if narrator is not None and self.window.book is not None:
            self.regenerate(narrator.cursor)

    @Slot()
    def _mark_heard(self) -> None:
        narrator = self.window.controller.narrator
        if narrator is not None and self.window.book is not None:
            self.mark_bad(narrator.cursor)

    # -- internals ----------------------------------------------------------------------------------------
    def _maker(self, need_engine: bool = True) -> TakeMaker | None:
        opened, narrator = self.window.opened, self.window.controller.narrator
        if opened is None or narrator is None:
            return None
        provider = self.services.engine_provider() if need_engine else None
        if need_engine and provider is None:
            self.window.playback.show_problem("No voice model is configured: choose a model folder to regenerate "
                                              "sentences.")
            return None
        from reader_app.narration.takes import TakeMaker

        return TakeMaker(opened.book, opened.cache, narrator.config, provider, cancel=self._closing)

    def _run(self, work: Callable[[], object], done: Callable[[object], None], status: str) -> None:
        if self.job is not None and self.job.running():
            self.window.playback.show_problem("A sentence is being regenerated; try again when it is done.")
            return
        book = self.window.book
        self.window.playback.say(status)

        def finished(result: object) -> None:
            if self.window.book is book:  # not another book opened meanwhile
                done(result)

        def failed(exc: BaseException) -> None:
            known = isinstance(exc, EngineError | _store_error() | ValueError | OSError)
            self.window.playback.show_problem(f"Could not regenerate: {exc if known else repr(exc)}")

        self.job = run_job(self, work, finished, failed, name="regenerate")

    def _use(self, result: object, replay: bool) -> None:
        from reader_app.narration.takes import TakeResult

        assert isinstance(result, TakeResult)
        self._reconfigure()
        narrator = self.window.controller.narrator
        if replay and narrator is not None:
            narrator.play(result.index)  # hear the new take
        self.window.playback.say(f"Sentence {result.index + 1}: keeping take {result.kept}")
        self.kept.emit(result.index)

    def _choose(self, maker: TakeMaker, result: object) -> None:
        from reader_app.narration.takes import TakeResult

        assert isinstance(result, TakeResult)
        sentence = maker.sentence(result.index)
        self.dialog = dialog = TakesDialog(sentence.text, list(range(result.made)), result.kept,
                                           lambda take: self._play_take(maker, result.index, take), self.window)
        dialog.choose(result.takes[-1])
        self.window.playback.say(f"{len(result.takes)} new takes of sentence {result.index + 1}: choose one")
        dialog.finished.connect(lambda code: self._dialog_closed(maker, result.index, code))
        self.dialogOpened.emit(dialog)
        dialog.open()

    def _play_take(self, maker: TakeMaker, index: int, take: int) -> None:
        narrator = self.window.controller.narrator
        if narrator is not None:
            narrator.pause()  # one voice at a time
        clip = maker.clip(index, take)
        if clip is None:
            if self.dialog is not None:
                self.dialog.say("That take is not in the cache any more (evicted); keep it to make it again.")
            return
        self.player.play(clip)

    def _dialog_closed(self, maker: TakeMaker, index: int, code: int) -> None:
        self.player.stop()
        dialog, self.dialog = self.dialog, None
        if dialog is None or code != TakesDialog.DialogCode.Accepted:
            return
        try:
            result = maker.keep(index, dialog.chosen())
        except (_store_error(), ValueError) as exc:
            self.window.playback.show_problem(str(exc))
            return
        self._use(result, replay=False)

    def _marked_done(self, settled: object) -> None:
        assert isinstance(settled, list)
        self._reconfigure()
        self.window.playback.say(f"Regenerated {len(settled)} sentence(s) marked as bad.")
        for index in settled:
            self.kept.emit(index)

    def _reconfigure(self) -> None:
        """The narrator takes the book's kept takes: only the sentences whose take changed get new keys."""
        narrator, book = self.window.controller.narrator, self.window.book
        if narrator is not None and book is not None:
            narrator.set_config(self.services.narration_config(book))

    def shutdown(self) -> None:
        self.player.stop()
        self._closing.set()
        if self.job is not None:
            self.job.cancel()


def _store_error() -> type[Exception]:
    from reader_app.store.errors import StoreError

    return StoreError
