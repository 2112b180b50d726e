"""File > Export audiobook… in the real window: the export runs off the GUI thread while playback goes on,
writes an M4B with the book's chapters, and a cancelled export leaves nothing behind."""

from __future__ import annotations

import mutagen

from reader_app.export.formats import ExportFormat
from tests.support.ui import open_window

BOOK = ("Chapter 1\n\nThe first sentence is here. A second one follows.\n\nA new paragraph.\n\n"
        "Chapter 2\n\nThe second chapter starts. It ends with this.\n")


def test_export_while_playing(qtbot, shared_services, tmp_path):
    path = tmp_path / "small book.txt"
    path.write_text(BOOK, encoding="utf-8")
    window = open_window(qtbot, shared_services, path)
    heard: list[int] = []
    window.controller.sentenceStarted.connect(heard.append)
    window.playback.toggle_play()
    dialog = window.dialogs.open_export()
    assert dialog is not None and dialog.chosen_format() is ExportFormat.M4B
    out = tmp_path / "exported.m4b"
    dialog.output.setText(str(out))
    qtbot.mouseClick(dialog.export_button, qtbot_left())
    assert dialog.cancel_button.isEnabled() and not dialog.export_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=120_000)
    assert [c.title for c in mutagen.File(out).chapters] == ["Chapter 1", "Chapter 2"]
    assert "Exported 2 chapter(s)" in dialog.status.text()
    qtbot.waitUntil(lambda: len(heard) >= 2, timeout=60_000)  # playback went on meanwhile
    dialog.close()
    window.close()


def test_cancelled_export_keeps_no_file(qtbot, shared_services, tmp_path):
    path = tmp_path / "other book.txt"
    path.write_text(BOOK.replace("It ends with this.", "It ends here instead."), encoding="utf-8")
    window = open_window(qtbot, shared_services, path)
    dialog = window.dialogs.open_export()
    dialog.format.setCurrentIndex(dialog.format.findData(ExportFormat.MP3))
    dialog.per_chapter.setChecked(True)
    folder = tmp_path / "chapters"
    dialog.output.setText(str(folder))
    dialog.start()
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=60_000)
    assert "cancelled" in dialog.status.text().lower()
    assert not folder.exists() or not any(folder.iterdir())
    assert dialog.export_button.isEnabled()
    dialog.close()
    window.close()


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
