"""Child process for the shared-work tests: one pregeneration of a test book with a slow tone engine, as a second
`reader-app pregen` on the same book would run it.

Usage: python pregen_child.py DATA_DIR
Prints "READY" once the cache is open, waits for a line on stdin (so two children start together), then
generates every chapter and prints one JSON line: {"generated": n, "done": n, "total": n, "texts": [...]}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: the imports below need the repository root

from reader_app.narration.pregen import Pregenerator  # noqa: E402
from reader_app.store import Library  # noqa: E402
from tests.support.books import make_book  # noqa: E402
from tests.support.engines import ToneEngine  # noqa: E402
from tests.support.narration import config  # noqa: E402

BOOK = make_book(n_chapters=2, per_chapter=12)


def main() -> None:
    library = Library(Path(sys.argv[1]))
    library.add_book(BOOK)
    cache = library.open_book_cache(BOOK)
    cache.sync_sentences(BOOK)
    print("READY", flush=True)
    sys.stdin.readline()
    engine = ToneEngine(delay_s=0.05)
    result = Pregenerator(BOOK, cache, config(batch_size=2), lambda: engine).run(range(len(BOOK.chapters)))
    print(json.dumps({"generated": result.generated, "done": result.done, "total": result.total,
                      "texts": engine.synthesized_texts()}), flush=True)
    cache.close()
    library.close()


if __name__ == "__main__":
    main()
