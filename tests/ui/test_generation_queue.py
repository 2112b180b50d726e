"""The generation queue on a real window: books queued from the library are generated one at a time in the
background, shown with their progress in the library, and the queue goes on after a restart (a new window on
the same data folder). Tiny random checkpoint, silent output."""

from __future__ import annotations

import json
from pathlib import Path

from reader_app.audio.output import NullOutput
from reader_app.books import load_book
from reader_app.narration.pregen_queue import QUEUE_FILE, EntryStatus
from reader_app.store import Library
from reader_app.ui.main_window import MainWindow
from reader_app.ui.services import AppServices
from tests.support.ui import TINY_ENGINE, screens_dir, tiny_settings


def _txt(folder: Path, name: str, sentences: int) -> Path:
    path = folder / f"{name}.txt"
    body = " ".join(f"{name} says hello number {i}." for i in range(sentences))
    path.write_text(f"{name}\n\n{body}\n", encoding="utf-8")
    return path


def _window(qtbot, data: Path, model) -> tuple[MainWindow, Library]:
    library = Library(data)
    services = AppServices(tiny_settings(model), library, output_factory=lambda: NullOutput(),
                           save_settings=False, engine_options=TINY_ENGINE)
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    return window, library


def _entries(window: MainWindow) -> dict[str, EntryStatus]:
    return {e.title: e.status for e in window.generation_queue.queue.entries}


def test_queue_two_books_restart_and_it_goes_on(qtbot, tmp_path, tiny_custom_voice):
    data = tmp_path / "data"
    books = [_txt(tmp_path, "Alpha", 3), _txt(tmp_path, "Beta", 12)]
    window, library = _window(qtbot, data, tiny_custom_voice)
    ids = [library.add_book(load_book(path)).id for path in books]
    window.library_view.refresh()
    panel = window.queue_panel
    assert panel.isHidden()  # nothing queued: no section
    window.library_view.queueRequested.emit(ids[0])  # what the card's context menu does
    window.generation_queue.add_book(ids[1])
    assert panel.isVisible() and panel.tree.topLevelItemCount() == 2
    # One book at a time: Alpha first, Beta waits its turn.
    qtbot.waitUntil(lambda: _entries(window)["Alpha"] is EntryStatus.DONE, timeout=120_000)
    qtbot.waitUntil(lambda: window.generation_queue.running_entry is not None, timeout=30_000)
    assert window.generation_queue.running_entry.title == "Beta"
    window.resize(1180, 780)
    window.grab().save(str(screens_dir(tmp_path) / "generation-queue.png"))
    window.close()  # Beta stops after its batch; what it made stays cached
    library.close()
    saved = json.loads((data / QUEUE_FILE).read_text())["entries"]
    assert [(e["title"], e["status"]) for e in saved][0] == ("Alpha", "done")
    beta = saved[1]
    assert beta["status"] in ("running", "queued") and beta["done"] < beta["total"] or beta["total"] == 0

    again, library = _window(qtbot, data, tiny_custom_voice)  # a restart on the same data folder
    assert again.queue_panel.tree.topLevelItemCount() == 2
    qtbot.waitUntil(lambda: _entries(again)["Beta"] is EntryStatus.DONE, timeout=180_000)
    entry = again.generation_queue.queue.entries[1]
    assert entry.done == entry.total > 0 and entry.message == ""
    assert library.cache_stats(ids[1]).clips == entry.total
    assert library.cache_stats(ids[0]).clips >= 1
    again.queue_panel.refresh()
    again.grab().save(str(screens_dir(tmp_path) / "generation-queue-done.png"))
    again.close()
    library.close()


def test_pause_reorder_and_remove_from_the_panel(qtbot, tmp_path, tiny_custom_voice):
    data = tmp_path / "data"
    window, library = _window(qtbot, data, tiny_custom_voice)
    window.generation_queue.autostart = False  # look at a queue standing still
    ids = [library.add_book(load_book(_txt(tmp_path, name, 2))).id for name in ("One", "Two", "Three")]
    for book_id in ids:
        window.generation_queue.add_book(book_id)
    panel = window.queue_panel
    panel.select(window.generation_queue.queue.entries[2].id)
    panel.up_button.click()
    assert [e.title for e in window.generation_queue.queue.entries] == ["One", "Three", "Two"]
    panel.pause_button.click()  # Three is still selected
    assert _entries(window)["Three"] is EntryStatus.PAUSED and panel.pause_button.text() == "Resume"
    assert "paused" in panel.tree.topLevelItem(1).text(3)
    panel.select(window.generation_queue.queue.entries[0].id)
    panel.remove_button.click()
    assert [e.title for e in window.generation_queue.queue.entries] == ["Three", "Two"]
    window.remove_book(ids[1])  # a book leaving the library leaves the queue
    assert [e.title for e in window.generation_queue.queue.entries] == ["Three"]
    window.close()
    library.close()


def test_the_queue_makes_the_clips_the_player_looks_for(qtbot, tmp_path, tiny_custom_voice):
    # A book with its own pronunciation entry: the queue keys its clips as the window's narrator does.
    from reader_app.models.catalog import inspect_model
    from reader_app.narration.plan import NarrationPlan
    from reader_app.narration.session import book_narration_config
    from reader_app.studio.lexicon import LexiconEntry
    from reader_app.tts.fast.config import audio_affecting

    data = tmp_path / "data"
    window, library = _window(qtbot, data, tiny_custom_voice)
    book = load_book(_txt(tmp_path, "Gamma", 3))
    book_id = library.add_book(book).id
    with library.open_book_cache(book) as cache:
        cache.lexicon.add(LexiconEntry("hello", "hallo"))
    window.generation_queue.add_book(book_id)
    qtbot.waitUntil(lambda: _entries(window)["Gamma"] is EntryStatus.DONE, timeout=120_000)
    config = book_narration_config(window.services.settings, library, book, inspect_model(tiny_custom_voice),
                                   engine_settings=audio_affecting(TINY_ENGINE))
    assert config.studio.lexicon is not None
    with library.open_book_cache(book) as cache:
        plan = NarrationPlan(book.sentences(), config, cache.cached_digests)
        assert "hallo" in plan.request(1).text
        assert all(plan.is_ready(i) for i in range(len(plan)))
    window.close()
    library.close()
