"""Child process for the MPRIS test: a real window (offscreen) with the sample book, a tone engine at the seam and
a silent output, on the session bus named by DBUS_SESSION_BUS_ADDRESS.

Usage: python mpris_child.py DATA_DIR
Prints one JSON line per change of what the window plays ({"event": "ready", ...} first, once the book is open
and the window is on the bus; then {"event": "changed", "state": ..., "chapter": ...}); MPRIS Quit ends it.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: the imports below need the repository root

from PySide6.QtWidgets import QApplication  # noqa: E402

from reader_app.resources import sample_book_path  # noqa: E402
from reader_app.store import Library  # noqa: E402
from reader_app.ui.main_window import MainWindow  # noqa: E402
from tests.support.engines import ToneEngine  # noqa: E402
from tests.support.ui import engine_services  # noqa: E402


def main() -> int:
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    app = QApplication(sys.argv[:1])
    library = Library(Path(sys.argv[1]))
    services = engine_services(library, ToneEngine(seconds_per_char=0.002))
    window = MainWindow(services)
    window.show()

    def report(event: str) -> None:
        narrator = window.controller.narrator
        now = window.system.media.now_playing()
        print(json.dumps({"event": event, "state": narrator.state if narrator else None, "chapter": now.chapter,
                          "mpris": window.system.mpris is not None}), flush=True)

    window.loader.loaded.connect(lambda _opened: report("ready"))
    window.system.media.changed.connect(lambda: report("changed"))
    window.open_book(sample_book_path())
    code = app.exec()
    library.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
