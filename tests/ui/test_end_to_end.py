"""Issue 2's end-to-end path: open the sample book in the real window, press play with a tiny checkpoint on a
silent output, and check generation order, the SQLite cache, playback order, and a replay from the cache."""

import pytest

from reader_app.audio.output import NullOutput
from reader_app.resources import sample_book_path
from reader_app.settings import Settings
from reader_app.store import Library
from reader_app.ui.main_window import MainWindow
from reader_app.ui.services import AppServices

SENTENCES = 4
# Random weights never emit EOS, so every clip runs to its frame budget: keep that budget small.
TINY_ENGINE = {"max_frames_per_char": 0.05, "margin_frames": 6}


@pytest.fixture
def services(tmp_path, tiny_custom_voice):
    settings = Settings(model_path=str(tiny_custom_voice), cpu_threads=1, lookahead_s=6.0, batch_size=2,
                        pause_sentence_s=0.05,
                        pause_paragraph_s=0.05, pause_chapter_s=0.05)
    library = Library(tmp_path / "library")
    yield AppServices(settings, library, output_factory=lambda: NullOutput(record=True), save_settings=False,
                      engine_options=TINY_ENGINE)
    library.close()


def open_sample(qtbot, services, heard=None, requested=None) -> MainWindow:
    window = MainWindow(services)
    qtbot.addWidget(window)
    # Connected before the book opens: generation starts as soon as it is open, before play is pressed.
    if heard is not None:
        window.controller.sentenceStarted.connect(heard.append)
    if requested is not None:
        window.controller.sentenceRequested.connect(requested.append)
    window.show()
    window.open_book(sample_book_path())
    qtbot.waitUntil(lambda: window.book is not None, timeout=30_000)
    return window


def test_play_generates_ahead_in_order_caches_and_replays_without_the_engine(qtbot, services):
    heard: list[int] = []
    requested: list[int] = []
    window = open_sample(qtbot, services, heard, requested)
    narrator = window.controller.narrator
    assert window.transport.play_button.isEnabled()
    qtbot.mouseClick(window.transport.play_button, qtbot_left())
    qtbot.waitUntil(lambda: len(heard) >= SENTENCES, timeout=240_000)
    window.playback.toggle_play()  # pause
    assert heard[:SENTENCES] == list(range(SENTENCES))
    # Generated in reading order, starting at the cursor, and ahead of it.
    assert requested[:SENTENCES] == sorted(requested[:SENTENCES]) and requested[0] == 0
    assert max(requested) >= max(heard)
    # Stored in the book's SQLite cache.
    cache = window.cache
    keys = [narrator.key_for(i) for i in range(SENTENCES)]
    assert cache.cached_digests(keys) == {k.digest for k in keys}
    clip = cache.get_clip(keys[0])
    assert clip is not None and clip.sample_rate == 24_000 and len(clip.samples) > 0
    calls_after_first_play = narrator.engine_calls
    assert calls_after_first_play > 0 and window.services.engine_provider().loads == 1

    # Second play of the same sentences: from the cache, without any engine call.
    heard.clear()
    narrator.config.lookahead_s = 0.0  # nothing new to generate ahead: only the replay is measured
    narrator.set_config(narrator.config)
    window.playback.play_from(0)
    qtbot.waitUntil(lambda: len(heard) >= SENTENCES, timeout=30_000)
    window.playback.toggle_play()
    assert heard[:SENTENCES] == list(range(SENTENCES))
    assert narrator.engine_calls == calls_after_first_play


def test_position_is_restored_when_the_book_is_reopened(qtbot, services):
    window = open_sample(qtbot, services)
    window.playback.show_sentence(7)
    window.controller.narrator.seek(7)
    window.close()
    reopened = open_sample(qtbot, services)
    assert reopened.controller.narrator.cursor == 7
    assert reopened.text_view.highlighted_sentence() == 7


def test_no_model_shows_how_to_get_one(qtbot, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr("reader_app.ui.main_window.QMessageBox.warning",
                        lambda parent, title, text: warnings.append((title, text)))
    library = Library(tmp_path / "lib")
    services = AppServices(Settings(), library, output_factory=lambda: NullOutput(), save_settings=False)
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    assert window.notice.isVisible()
    assert "No voice model is configured" in window.notice.label.text()
    assert "huggingface-cli download" in window.notice.label.text()
    window.set_model_folder(str(tmp_path))  # not a model: refused with a reason, setting unchanged
    assert services.settings.model_path == ""
    assert warnings and "not a Qwen3-TTS checkpoint" in warnings[0][1]
    library.close()


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
