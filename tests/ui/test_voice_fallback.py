"""A book whose remembered voice the model cannot speak opens with the model's default voice: the chooser shows
that voice and the window says why (prepare_book -> OpenedBook.voice_problem -> show_problem)."""

from __future__ import annotations

from reader_app.audio.output import NullOutput
from reader_app.books import load_book
from reader_app.narration.controller import NarrationController
from reader_app.resources import sample_book_path
from reader_app.store import Library
from reader_app.tts.engine import VoiceKind
from reader_app.ui.book_session import prepare_book
from reader_app.ui.services import AppServices
from tests.support.ui import TINY_ENGINE, open_window, tiny_settings

DESIGNED = "Warm Storyteller"  # a bundled designed voice


def test_prepare_book_falls_back_and_exposes_why(qtbot, tiny_custom_voice, tmp_path):
    library = Library(tmp_path / "library")
    services = AppServices(tiny_settings(tiny_custom_voice), library, output_factory=lambda: NullOutput(),
                           save_settings=False, engine_options=TINY_ENGINE)
    book = load_book(sample_book_path())
    library.add_book(book)
    library.set_book_setting(book.fingerprint, "voice_name", DESIGNED)
    opened = prepare_book(services, NarrationController(), book)
    try:
        assert opened.voice_name == "vivian"  # the model's first preset speaker: what narrates
        assert opened.narrator.config.voice.kind == VoiceKind.PRESET
        assert opened.voice_problem is not None and "(designed) needs a VoiceDesign model" in opened.voice_problem
        assert library.book_setting(book.fingerprint, "voice_name") == DESIGNED  # the choice is kept for later
    finally:
        opened.close()
        library.close()


def test_the_window_shows_the_voice_used_and_why(qtbot, tiny_custom_voice, tmp_path):
    library = Library(tmp_path / "library")
    settings = tiny_settings(tiny_custom_voice)
    settings.voice = DESIGNED  # the default voice for new books: a designed one, on a CustomVoice model
    services = AppServices(settings, library, output_factory=lambda: NullOutput(), save_settings=False,
                           engine_options=TINY_ENGINE)
    window = open_window(qtbot, services)
    try:
        assert window.reading_view.voice.currentData() == "vivian"
        assert "needs a VoiceDesign model" in window.transport.status_label.text()
    finally:
        window.close()
        library.close()
