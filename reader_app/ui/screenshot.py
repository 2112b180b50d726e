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
from pathlib import Path


def _wait(app, predicate, timeout_s: float) -> bool:
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
    from reader_app.settings import Settings
    from reader_app.store import Library
    from reader_app.ui.app import create_window
    from reader_app.ui.services import AppServices

    app = QApplication.instance() or QApplication(sys.argv[:1])
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.load()
    settings.theme = "light"
    if model:
        settings.model_path = model
    written: list[Path] = []

    def save(widget, name: str) -> None:
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
        if not _wait(app, lambda: window.book is not None, 30):
            raise RuntimeError("the book did not open within 30 s")
        target = min(max(sentence - 1, 0), window.book.sentence_count() - 1)
        if services.model_problem() is None:
            heard: list[int] = []
            window.controller.sentenceStarted.connect(heard.append)
            window.play_from(target)
            if not _wait(app, lambda: target in heard, 120):
                print(f"warning: sentence {target + 1} was not heard within 120 s (heard: {heard[:5]})",
                      file=sys.stderr)
            # Let a little audio queue up ahead, so the indicator shows something, then pause for a stable frame.
            _wait(app, lambda: window.controller.narrator.ready_ahead_s() > 3, 20)
            window._update_ready()
            window.toggle_play()
            window.transport.set_playing(True)  # shown as it looks while playing
            window.transport.set_status("Playing")
        else:
            window._show_sentence(target)
        save(window, "reading.png")
        window.set_theme("dark")
        save(window, "reading-dark.png")
        window.set_theme("light")
        window.show_library()
        save(window, "library.png")
        window.show_reading()
        dialog = window.open_settings()
        save(dialog, "settings.png")
        dialog.reject()
        manager = window.open_model_manager()
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
    except Exception as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0
