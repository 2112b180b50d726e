"""Voices > Pronunciation… on a real window with a book open: entries added for the book and for all books, a bad
pattern refused with its reason, the count of sentences generated again, Apply changing exactly those clip keys
of the open narrator, Listen speaking the first matching sentence as the model reads it, off the GUI thread."""

from __future__ import annotations

import dataclasses
import re
import threading

from reader_app.narration.plan import NarrationPlan
from reader_app.narration.rendering import StudioChoices
from reader_app.store.lexicon_store import Scope
from reader_app.ui.lexicon_dialog import LexiconDialog
from tests.support.engines import ToneEngine
from tests.support.ui import open_window, screens_dir


class _ThreadTone(ToneEngine):
    """Remembers which thread it spoke on."""

    def synthesize(self, requests, **kwargs):
        self.thread = threading.current_thread()
        return super().synthesize(requests, **kwargs)


def _fill(dialog: LexiconDialog, pattern: str, said: str, *, regex: bool = False, scope: Scope = Scope.BOOK):
    dialog.pattern.setText(pattern)
    dialog.replacement.setText(said)
    dialog.is_regex.setChecked(regex)
    dialog.scope.setCurrentIndex(dialog.scope.findData(scope))


def test_the_pronunciation_dialog_edits_applies_and_listens(qtbot, shared_services, tmp_path):
    window = open_window(qtbot, shared_services)
    narrator = window.controller.narrator
    sentences = narrator.sentences
    before = narrator.config
    window.actions_.pronunciation.trigger()
    dialog = window.findChild(LexiconDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.table.rowCount() == 0

    _fill(dialog, "Alice", "A-lees")
    dialog.add_button.click()
    alice = [i for i, s in enumerate(sentences) if re.search(r"(?<!\w)alice(?!\w)", s.text, re.IGNORECASE)]
    assert alice
    assert dialog.count.text() == f"{len(alice)} sentences will be generated again."
    _fill(dialog, r"(\d+)", r"number \1", regex=True, scope=Scope.GLOBAL)
    assert not dialog.whole_word.isChecked()  # a regular expression is as written
    dialog.add_button.click()
    _fill(dialog, "(a", "x", regex=True)
    dialog.add_button.click()
    assert "not a valid regular expression: missing )" in dialog.status.text()
    assert [(s.scope, s.entry.pattern) for s in dialog.rows] == [(Scope.BOOK, "Alice"), (Scope.GLOBAL, r"(\d+)")]
    assert [dialog.table.item(r, 0).text() for r in range(2)] == ["This book", "All books"]
    digits = [i for i, s in enumerate(sentences) if re.search(r"\d", s.text)]
    changed = sorted(set(alice) | set(digits))
    assert dialog.pending() == len(changed)

    shots = screens_dir(tmp_path)
    dialog.select_row(0)
    assert dialog.pattern.text() == "Alice" and dialog.chosen_scope() is Scope.BOOK
    dialog.grab().save(str(shots / "pronunciation-dialog.png"))

    with qtbot.waitSignal(dialog.applied, timeout=10_000) as applied:
        dialog.apply_button.click()
    assert applied.args == [len(changed)]
    assert narrator.config.studio.lexicon == dialog.lexicon()
    assert "No sentence will be generated again" in dialog.count.text()
    old = NarrationPlan(sentences, dataclasses.replace(before, studio=StudioChoices()), lambda _k: set()).keys
    new = NarrationPlan(sentences, narrator.config, lambda _k: set()).keys
    assert [i for i in range(len(sentences)) if old[i].digest != new[i].digest] == changed
    assert "A-lees" in NarrationPlan(sentences, narrator.config, lambda _k: set()).request(alice[0]).text
    assert window.reading_view is not None  # the reading view still shows the book's own text
    assert "A-lees" not in sentences[alice[0]].text

    tone = _ThreadTone()
    dialog.worker.engines.factory = lambda _folder: tone
    with qtbot.waitSignal(dialog.spoken, timeout=20_000) as spoken:
        dialog.table.cellWidget(0, 5).click()
    expected = narrator.config.studio.lexicon.rewrite(sentences[alice[0]].text, "English")
    assert spoken.args == [expected] and tone.synthesized_texts() == [expected]
    assert tone.thread is not threading.main_thread()
    assert "Listening" in dialog.status.text()

    dialog.select_row(0)
    dialog.remove_button.click()
    assert [s.entry.pattern for s in dialog.rows] == [r"(\d+)"]
    assert dialog.count.text() == f"{len(alice)} sentences will be generated again."
    dialog.close()  # closing applies what is stored
    assert narrator.config.studio.lexicon == dialog.lexicon()
    narrator_lexicon = narrator.config.studio.lexicon
    assert narrator_lexicon is not None and [e.pattern for e in narrator_lexicon.entries] == [r"(\d+)"]
    dialog.glob.remove_pattern(r"(\d+)")  # the module's library is shared: leave no global entry behind


def test_listen_uses_the_narrations_engine_for_the_narrations_model(qtbot, shared_services, tiny_base):
    """No second model is loaded (in the engine process by default, so no torch in the window's process)."""
    window = open_window(qtbot, shared_services)
    window.actions_.pronunciation.trigger()
    dialog = window.findChild(LexiconDialog)
    narrating = shared_services.engine_provider().get()
    assert dialog._load_engine(shared_services.settings.model_path) is narrating
    other = dialog._load_engine(str(tiny_base))  # another folder: its own (stock) engine
    assert other is not narrating and other.kind == "base"
    dialog.close()
