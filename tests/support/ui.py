"""GUI test kit: settings for a tiny model, and a real main window with a book open."""

from __future__ import annotations

import os
from pathlib import Path

from reader_app.audio.output import NullOutput
from reader_app.resources import sample_book_path
from reader_app.settings import Settings
from reader_app.store import Library
from reader_app.ui.main_window import MainWindow
from reader_app.ui.services import AppServices

# Random weights never emit EOS, so every clip runs to its frame budget: keep that budget small.
TINY_ENGINE = {"max_frames_per_char": 0.05, "margin_frames": 6}


def tiny_settings(model) -> Settings:
    return Settings(model_path=str(model), cpu_threads=1, lookahead_s=3.0, batch_size=2, pause_sentence_s=0.05,
                    pause_paragraph_s=0.05, pause_chapter_s=0.05)


def quick_settings(**overrides) -> Settings:
    """Short look-ahead and pauses, so a test book plays through in moments."""
    return Settings(**{"lookahead_s": 3.0, "batch_size": 2, "pause_sentence_s": 0.05, "pause_paragraph_s": 0.05,
                       "pause_chapter_s": 0.05, **overrides})


def engine_services(library: Library, engine=None, settings: Settings | None = None) -> AppServices:
    """Services for a window with silent output; `engine` (a fake, e.g. a ToneEngine) at the provider seam,
    or none (no model)."""
    services = AppServices(settings or quick_settings(), library, output_factory=lambda: NullOutput(),
                           save_settings=False)
    if engine is not None:
        services.engine_provider = lambda: (lambda: engine)  # type: ignore[method-assign,assignment,return-value]
    return services


def open_window(qtbot, services, book=None) -> MainWindow:
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    window.open_book(book or sample_book_path())
    qtbot.waitUntil(lambda: window.book is not None, timeout=30_000)
    return window


def screens_dir(tmp_path: Path) -> Path:
    """Where screenshots go: READER_APP_TEST_SCREENS to keep and look at them, else the test's folder."""
    return Path(os.environ.get("READER_APP_TEST_SCREENS") or tmp_path)
