"""What a new reader trips on in the window: find and hand scrolling while the voice reads on, the voice
chooser, status texts, progress of a book just opened, library cards, local model folders."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFontMetrics, QWheelEvent
from PySide6.QtWidgets import QApplication

from reader_app.audio.output import NullOutput
from reader_app.books import load_book
from reader_app.settings import Settings
from reader_app.store import Library
from reader_app.ui.library_card import PADDING, card_fonts, card_lines, card_size
from reader_app.ui.library_view import BOOK_ROLE
from reader_app.ui.main_window import MainWindow
from reader_app.ui.model_manager import INFO_ROLE
from reader_app.ui.services import AppServices
from tests.support.epub import simple_book
from tests.support.ui import open_window


def _playing(qtbot, window, start: int = 0) -> list[int]:
    """Play from `start`; the sentences heard, as they start."""
    heard: list[int] = []
    window.controller.sentenceStarted.connect(heard.append)
    window.playback.play_from(start)
    qtbot.waitUntil(lambda: bool(heard), timeout=60_000)
    return heard


def _hear_more(qtbot, heard: list[int], count: int = 2) -> None:
    wanted = len(heard) + count
    qtbot.waitUntil(lambda: len(heard) >= wanted, timeout=60_000)


def _wheel(widget, steps: int) -> None:
    """A real mouse-wheel event on the page (negative steps scroll down)."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(widget, event)


def test_find_while_playing_keeps_the_match_in_view_until_back_to_the_voice(qtbot, shared_services, tmp_path):
    window = open_window(qtbot, shared_services)
    view, text = window.reading_view, window.text_view
    heard = _playing(qtbot, window)
    window.actions_.find.trigger()
    bar = view.find_bar
    qtbot.keyClicks(bar.field, "alice")
    while view.chapter_of(bar.hits[bar.current][0]) == view.chapter_of(heard[-1]):
        bar.next()  # a match in another chapter than the voice's
    match = bar.hits[bar.current][0]
    assert text.sentence_in_view(match)
    _hear_more(qtbot, heard)
    window.grab().save(str(tmp_path / "find-while-playing.png"))
    assert view.shown_chapter() == view.chapter_of(match) and text.sentence_in_view(match)
    assert bar.count.text() == f"{bar.current + 1} of {len(bar.hits)}"
    assert view.back_to_voice.isVisible()
    qtbot.mouseClick(view.back_to_voice, Qt.MouseButton.LeftButton)
    assert not view.back_to_voice.isVisible()
    voice = text.highlighted_sentence()
    assert voice is not None and view.shown_chapter() == view.chapter_of(voice) and text.sentence_in_view(voice)
    _hear_more(qtbot, heard, 1)
    assert text.sentence_in_view(heard[-1])  # following again
    window.close()


def test_scrolling_by_hand_while_playing_stops_following_until_back_to_the_voice(qtbot, shared_services):
    window = open_window(qtbot, shared_services)
    view, text = window.reading_view, window.text_view
    window.resize(1000, 560)
    heard = _playing(qtbot, window, view.chapter_starts[1])  # a chapter longer than the page
    bar = text.verticalScrollBar()
    assert bar.maximum() > 0
    _wheel(text.viewport(), -8)
    scrolled = bar.value()
    assert scrolled > 0 and view.back_to_voice.isVisible()
    _hear_more(qtbot, heard)
    assert bar.value() == scrolled  # the page stays where the reader put it
    qtbot.mouseClick(view.back_to_voice, Qt.MouseButton.LeftButton)
    assert text.sentence_in_view(text.highlighted_sentence()) and not view.back_to_voice.isVisible()
    window.close()


def _combo_texts(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count()) if combo.itemData(i) is not None]


def test_the_voice_chooser_lists_each_speaker_once(qtbot, shared_services, tmp_path):
    window = open_window(qtbot, shared_services)
    combo = window.reading_view.voice
    speakers = window.opened.model_info.speakers
    texts = _combo_texts(combo)
    named = [t.removesuffix(" (preset)").replace(" ", "_").lower() for t in texts]
    assert all(named.count(speaker) == 1 for speaker in speakers), texts
    assert len(set(named)) == len(named), texts
    assert "Uncle Fu" in texts  # a readable name, not "Uncle_fu"
    vivian = combo.findData("vivian")
    assert "female" in combo.itemData(vivian, Qt.ItemDataRole.ToolTipRole)  # the bundled preset's description
    combo.showPopup()
    window.grab().save(str(tmp_path / "voices.png"))
    combo.view().window().grab().save(str(tmp_path / "voices-popup.png"))
    combo.hidePopup()
    window.close()


ROOT = Path(__file__).resolve().parents[2]
MENU_PATH = re.compile(r"\b([A-Z][a-z]+) > ([A-Z][^()\n,;:\"'`]*)")


def _user_texts() -> list[tuple[str, str]]:
    """(where, text) of every string the user may read: string constants in the app, the README and docs."""
    texts: list[tuple[str, str]] = []
    for path in sorted((ROOT / "reader_app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.append((str(path.relative_to(ROOT)), node.value))
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        texts.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    return texts


def _menus(window) -> dict[str, list[str]]:
    return {menu.title().replace("&", ""): [a.text().replace("&", "") for a in menu.actions() if a.text()]
            for menu in (action.menu() for action in window.menuBar().actions()) if menu is not None}


def test_every_menu_item_named_in_a_message_exists(qtbot, shared_services):
    window = MainWindow(shared_services)
    qtbot.addWidget(window)
    menus = _menus(window)
    named = [(where, m.group(1), m.group(2)) for where, text in _user_texts() for m in MENU_PATH.finditer(text)]
    assert any(where.startswith("reader_app/narration") for where, _, _ in named)  # the scan finds them
    missing = [f"{where}: {menu} > {rest}" for where, menu, rest in named
               if not any(rest.startswith(item) for item in menus.get(menu, []))]
    assert not missing, f"{missing}; the menus are {menus}"
    window.close()


def test_a_long_status_line_ends_in_an_ellipsis_and_its_tooltip_holds_it_all(qtbot, shared_services, tmp_path):
    window = open_window(qtbot, shared_services)
    window.resize(900, 700)
    message = ("Could not save audio to the cache: Disk full (the data folder has 0 bytes free). "
               "Playback goes on from memory; choose another model folder in Settings > Voice models…")
    window.playback.show_problem(message)
    label = window.transport.status_label
    qtbot.waitUntil(lambda: label.width() > 0)
    window.grab().save(str(tmp_path / "status-elided.png"))
    assert label.text() == message and label.toolTip() == message
    assert label.is_elided() and label.shown_text().endswith("…")
    assert message.startswith(label.shown_text().removesuffix("…"))
    window.transport.set_status("Playing")
    assert label.shown_text() == "Playing" and not label.is_elided()
    window.close()


def _card_text(window, path: Path) -> str:
    grid = window.library_view.grid
    return next(grid.item(i).text() for i in range(grid.count())
                if Path(grid.item(i).data(BOOK_ROLE).path) == path)


def test_a_book_just_opened_is_0_percent_read_and_100_once_heard_to_the_end(qtbot, shared_services, tmp_path):
    book = tmp_path / "three lines.txt"
    book.write_text("One short line. Two short lines. Three short lines.\n", encoding="utf-8")
    window = open_window(qtbot, shared_services, book)
    window.show_library()
    assert _card_text(window, book).splitlines()[2].startswith("0% read")
    window.show_reading()
    window.playback.play_from(0)
    qtbot.waitUntil(lambda: window.controller.narrator.state == "finished", timeout=60_000)
    window.show_library()
    assert "100% read" in _card_text(window, book)
    window.close()


LONG_BOOKS = (("The Remarkably Long and Winding Title of a Victorian Novel in Three Volumes, with Illustrations",
               "Mary Elizabeth Braddon-Featherstonehaugh and Sir Arthur Ignatius Conan Doyle"),
              ("Emma", "Jane Austen"), ("Short", ""),
              ("Supercalifragilisticexpialidociousnessandmoreofitwithoutspaces", "Anonymous"),
              ("A Tale of Two Cities: A Story of the French Revolution", "Charles Dickens"))


def test_library_cards_share_one_size_line_up_and_elide_long_titles(qtbot, tmp_path):
    library = Library(tmp_path / "lib")
    for number, (title, author) in enumerate(LONG_BOOKS):
        path = simple_book(tmp_path / f"b{number}.epub", [("One", f"<p>Book {number} begins. It ends.</p>")],
                           title=title, authors=(author,) if author else ())
        library.add_book(load_book(path))
    window = MainWindow(AppServices(Settings(), library, output_factory=NullOutput, save_settings=False))
    qtbot.addWidget(window)
    window.resize(1000, 760)
    window.show()
    window.show_library()
    grid = window.library_view.grid
    qtbot.waitUntil(lambda: grid.count() == len(LONG_BOOKS) and grid.visualRect(grid.model().index(0, 0)).isValid())
    window.grab().save(str(tmp_path / "library-long-titles.png"))
    rects = [grid.visualRect(grid.model().index(row, 0)) for row in range(grid.count())]
    assert len({(r.width(), r.height()) for r in rects}) == 1  # one card size
    rows: dict[int, list[int]] = {}
    for rect in rects:
        rows.setdefault(rect.top(), []).append(rect.left())
    columns = sorted(next(iter(rows.values())))
    assert all(sorted(lefts) == columns[:len(lefts)] for lefts in rows.values())  # one grid of columns
    assert all(not a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    width = card_size(grid.font()).width() - 2 * PADDING
    for row in range(grid.count()):
        item = grid.item(row)
        lines = card_lines(item.text(), grid.font())
        titles = [line for line, is_title in lines if is_title]
        assert 1 <= len(titles) <= 2 and any("% read" in line for line, _ in lines), lines
        title_font, detail_font = card_fonts(grid.font())
        for line, is_title in lines:
            assert QFontMetrics(title_font if is_title else detail_font).horizontalAdvance(line) <= width, line
        record = item.data(BOOK_ROLE)
        assert record.title in item.toolTip() and all(a in item.toolTip() for a in record.authors)
        if len(record.title) > 60:
            assert titles[-1].endswith("…")
    window.close()
    library.close()


def _installed_rows(dialog) -> list[tuple[str, object]]:
    rows = (dialog.installed.item(i) for i in range(dialog.installed.count()))
    return [(item.text(), item.data(INFO_ROLE)) for item in rows]


def test_model_folders_chosen_by_hand_are_listed_as_local(qtbot, tmp_path, tiny_custom_voice, monkeypatch):
    remembered = shutil.copytree(tiny_custom_voice, tmp_path / "my own checkpoint")  # chosen in an earlier run
    settings = Settings(model_folders={"custom_voice/0.6b": str(remembered)})
    library = Library(tmp_path / "lib")
    services = AppServices(settings, library, output_factory=NullOutput, save_settings=False)
    window = MainWindow(services)
    qtbot.addWidget(window)
    dialog = window.dialogs.open_model_manager()

    def listed(folder: Path) -> str:
        return next((text for text, info in _installed_rows(dialog)
                     if info is not None and info.path.resolve() == folder.resolve()), "")

    qtbot.waitUntil(lambda: bool(listed(remembered)), timeout=20_000)
    assert "local folder" in listed(remembered) and "CustomVoice" in listed(remembered)
    monkeypatch.setattr("reader_app.ui.model_manager.QFileDialog.getExistingDirectory",
                        lambda *args, **kwargs: str(tiny_custom_voice))
    dialog.folder_button.click()  # "Choose a local folder…"
    qtbot.waitUntil(lambda: "in use" in listed(tiny_custom_voice), timeout=20_000)
    assert "local folder" in listed(tiny_custom_voice) and "CustomVoice" in listed(tiny_custom_voice)
    assert "local folder" in listed(remembered)  # still listed beside the one in use
    dialog.grab().save(str(tmp_path / "model-manager-local.png"))
    dialog.reject()
    window.close()
    library.close()


def test_the_opened_book_is_counted_in_words_that_agree(qtbot, shared_services, tmp_path):
    book = tmp_path / "one.txt"
    book.write_text("Only one sentence here.\n", encoding="utf-8")
    window = open_window(qtbot, shared_services, book)
    qtbot.waitUntil(lambda: "in 1 chapter" in window.transport.status_label.text(), timeout=10_000)
    assert window.transport.status_label.text() == "1 sentence in 1 chapter"
    window.close()
