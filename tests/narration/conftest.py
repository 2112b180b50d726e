"""The narration tests' narrators: built by `make_narrator`, closed (with their caches) when the test ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reader_app.audio.output import ManualOutput
from reader_app.books.model import Book
from reader_app.narration.config import NarrationListener
from reader_app.narration.narrator import Narrator
from reader_app.store import BookCache
from reader_app.tts.engine import SpeechEngine
from tests.support.narration import make

MakeNarrator = Callable[..., tuple[Narrator, BookCache, ManualOutput]]


@pytest.fixture
def make_narrator(tmp_path: Path) -> Iterator[MakeNarrator]:
    """make_narrator(book, engine, listener, **options) -> (narrator, cache, output); see support.narration.make."""
    made: list[tuple[Narrator, BookCache]] = []

    def build(book: Book, engine: SpeechEngine | None, listener: NarrationListener,
              **kw: Any) -> tuple[Narrator, BookCache, ManualOutput]:
        narrator, cache, out = make(book, tmp_path, engine, listener, **kw)
        made.append((narrator, cache))
        return narrator, cache, out

    yield build
    for narrator, cache in reversed(made):  # closing twice is harmless: a test may close one early
        narrator.close()
        cache.close()
