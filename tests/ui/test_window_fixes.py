"""What a new reader trips on in the window: find and hand scrolling while the voice reads on, the voice
chooser, status texts, progress of a book just opened, library cards, local model folders."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

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
