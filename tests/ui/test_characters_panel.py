"""The Characters panel in the real window (Voices > Characters…): the names found with their line counts, a
voice chooser per character (models' misfits marked), a character's lines with the speaker corrected; each change
rebuilds the open narrator's config so only that character's lines get new clip keys. Tone engines at the seam;
a screenshot of the panel is saved (READER_APP_TEST_SCREENS keeps it)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.cli.test_characters_command import TEXT
from tests.support.engines import ToneEngine
from tests.support.ui import engine_services, open_window, screens_dir


def test_characters_panel_assigns_voices_and_corrects_lines(qtbot, library, tmp_path):
    services = engine_services(library, ToneEngine())
    book = tmp_path / "tea.txt"
    book.write_text(TEXT, encoding="utf-8")
    window = open_window(qtbot, services, book)
    action = window.actions_.characters
    assert action.text() == "&Characters…"
    assert action in window.menuBar().actions()[4].menu().actions()  # Voices > Characters…
    action.trigger()
    panel = window.characters
    assert panel.isVisible()
    rows = {panel.table.topLevelItem(i).text(0): panel.table.topLevelItem(i).text(1)
            for i in range(panel.table.topLevelItemCount())}
    assert rows == {"Alice": "3", "Bob": "3"}
    box = panel.voice_box("Alice")
    assert box is not None and box.findData("Vivian") > 0 and box.findData("Ryan") > 0

    narrator = window.controller.narrator
    before = list(narrator._plan.keys)
    box.setCurrentIndex(box.findData("Vivian"))
    box.activated.emit(box.currentIndex())
    alice = {s.id for s in window.book.sentences() if s.text.startswith(("“Is there", "“Then", "“In this"))}
    assert set(narrator.config.studio.character_voices) == alice
    after = list(narrator._plan.keys)
    ids = [s.id for s in window.book.sentences()]
    assert {ids[i] for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b} == alice

    # The reader corrects a line: "Then green it is." is Bob's.
    panel.table.setCurrentItem(panel.table.findItems("Alice", Qt.MatchFlag.MatchExactly)[0])
    target = next(i for i in range(panel.lines.count()) if "Then green" in panel.lines.item(i).text())
    panel.lines.setCurrentRow(target)
    panel.speaker.setCurrentText("Bob")
    panel.set_button.click()
    green = next(s.id for s in window.book.sentences() if s.text == "“Then green it is.”")
    assert set(narrator.config.studio.character_voices) == alice - {green}
    rows = {panel.table.topLevelItem(i).text(0): panel.table.topLevelItem(i).text(1)
            for i in range(panel.table.topLevelItemCount())}
    assert rows == {"Alice": "2", "Bob": "4"}

    # Reopened, the book keeps them.
    window.open_book(book)
    qtbot.waitUntil(lambda: window.controller.narrator is not narrator, timeout=30_000)
    assert len(window.controller.narrator.config.studio.character_voices) == 2

    window.resize(1280, 800)
    panel.table.setCurrentItem(panel.table.topLevelItem(0))
    qtbot.wait(50)
    out = screens_dir(tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    assert panel.grab().save(str(out / "characters-panel.png"))
    assert window.grab().save(str(out / "characters-window.png"))

