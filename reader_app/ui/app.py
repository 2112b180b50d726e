"""Starts the GUI: the window shows first; torch and qwen_tts are imported later, on worker threads."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from reader_app import __version__
from reader_app.resources import resource_path, sample_book_path
from reader_app.settings import Settings
from reader_app.ui import main_thread_gc
from reader_app.ui.main_window import MainWindow
from reader_app.ui.services import AppServices


def book_to_open(library, explicit: Path | None) -> Path | None:
    """The book given on the command line, else the last one read, else the bundled sample."""
    if explicit is not None:
        return explicit
    last = library.last_opened()
    if last is not None and Path(last.path).exists():
        return Path(last.path)
    sample = sample_book_path()
    return sample if sample.exists() else None


def create_window(services: AppServices, book: Path | None = None) -> MainWindow:
    window = MainWindow(services)
    path = book_to_open(services.library, book)
    if path is not None:
        window.open_book(path)
    notice = services.settings.load_notice  # a settings file that could not be used: a problem the user reads
    if notice:
        window.playback.show_problem(notice)
        if path is not None:  # held again once the book is in, so its routine status cannot cover it
            window.loader.loaded.connect(lambda _: window.playback.show_problem(notice),
                                         Qt.ConnectionType.SingleShotConnection)
    return window


def run_gui(book: Path | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    main_thread_gc.install(app)  # a worker thread must never collect (and so destroy) Qt objects
    app.setApplicationName("Reader")
    app.setApplicationVersion(__version__)
    icon = resource_path("icons", "app.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    from reader_app.store import Library

    services = AppServices(Settings.load(), Library())
    window = create_window(services, book)
    window.show()
    return app.exec()
