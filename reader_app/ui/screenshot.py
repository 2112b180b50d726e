"""`reader-app screenshot OUT_DIR [BOOK]`: renders the main screens offscreen to PNG files.

It runs on a temporary library and a silent output, so the user's own library is never touched. With a model
(--model, settings or READER_APP_MODEL) the reading view is captured while a sentence is being read.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Qt is imported after QT_QPA_PLATFORM is set
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QWidget


def _wait(app: QCoreApplication, predicate: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def take_screenshots(out_dir: Path, book: Path | None = None, model: str | None = None,
                     sentence: int = 9, size: tuple[int, int] = (1280, 820)) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from reader_app.audio.output import NullOutput
    from reader_app.settings import Settings, ThemeName
    from reader_app.store import Library
    from reader_app.ui import main_thread_gc
    from reader_app.ui.app import create_window
    from reader_app.ui.services import AppServices

    app = QApplication.instance() or QApplication(sys.argv[:1])
    main_thread_gc.install(app)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.load()
    settings.theme = ThemeName.LIGHT
    if model:
        settings.model_path = model
    written: list[Path] = []

    def save(widget: QWidget, name: str) -> None:
        _wait(app, lambda: False, 0.3)  # let layouts and style sheets settle
        path = out_dir / name
        widget.grab().save(str(path))
        written.append(path)

    with tempfile.TemporaryDirectory(prefix="reader-app-shots-") as tmp:
        library = Library(Path(tmp))
        services = AppServices(settings, library, output_factory=lambda: NullOutput(), save_settings=False,
                               engine_options={"max_frames_per_char": 0.05, "margin_frames": 6})
        window = create_window(services, book)
        window.resize(*size)
        window.show()
        _wait(app, lambda: window.book is not None, 30)
        opened, narrator = window.opened, window.controller.narrator
        if opened is None or narrator is None:
            raise RuntimeError("the book did not open within 30 s")
        playback = window.playback
        target = min(max(sentence - 1, 0), opened.book.sentence_count() - 1)
        if services.model_problem() is None:
            heard: list[int] = []
            window.controller.sentenceStarted.connect(heard.append)
            playback.play_from(target)
            if not _wait(app, lambda: target in heard, 120):
                print(f"warning: sentence {target + 1} was not heard within 120 s (heard: {heard[:5]})",
                      file=sys.stderr)
            # Let a little audio queue up ahead, so the indicator shows something, then pause for a stable frame.
            _wait(app, lambda: narrator.ready_ahead_s() > 3, 20)
            playback.update_ready()
            playback.toggle_play()
            window.transport.set_playing(True)  # shown as it looks while playing
            window.transport.set_status("Playing")
        else:
            playback.show_sentence(target)
        save(window, "reading.png")
        window.set_theme(ThemeName.DARK)
        save(window, "reading-dark.png")
        window.set_theme(ThemeName.LIGHT)
        window.show_library()
        save(window, "library.png")
        window.show_reading()
        dialog = window.dialogs.open_settings()
        save(dialog, "settings.png")
        dialog.reject()
        manager = window.dialogs.open_model_manager()
        _wait(app, lambda: "Looking" not in (manager.installed.item(0).text() if manager.installed.count() else ""),
              30)
        save(manager, "model-manager.png")
        manager.reject()
        window.close()
        library.close()
    return written


def run_screenshot(args: argparse.Namespace) -> int:
    try:
        paths = take_screenshots(args.out_dir, args.book, args.model, args.sentence)
    except Exception as exc:  # noqa: BLE001 - the command's one error report, whatever stopped it
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0
