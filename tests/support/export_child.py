"""Child process for the full-disk export test: exports a cached book to FLAC with a file-size limit.

Usage: python export_child.py CACHE_DB OUT_FILE LIMIT_BYTES
Prints "ERROR <message>" when the export fails cleanly, "OK" when it completes.
"""

from __future__ import annotations

import resource
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: the imports below need the repository root

from reader_app.export.exporter import ExportRequest, export_audiobook  # noqa: E402
from reader_app.export.formats import ExportFormat  # noqa: E402
from reader_app.export.metadata import book_tags  # noqa: E402
from reader_app.export.writer import ExportError  # noqa: E402
from reader_app.store import BookCache  # noqa: E402
from tests.support.export_book import EXPORT_CONFIG, export_book  # noqa: E402


def main() -> None:
    db, out, limit = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    book = export_book()
    cache = BookCache(db)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit a write fails with EFBIG, as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        export_audiobook(book, cache, EXPORT_CONFIG, ExportRequest(ExportFormat.FLAC, out),
                         book_tags(book, EXPORT_CONFIG.voice))
        print("OK", flush=True)
    except ExportError as exc:
        print(f"ERROR {exc}", flush=True)


if __name__ == "__main__":
    main()
