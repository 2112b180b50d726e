"""Fixtures: a library in a temporary folder (never the user's data dir) and a small book."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader_app.store import Library
from tests.support.books import make_book


@pytest.fixture
def book():
    return make_book()


@pytest.fixture
def library(tmp_path: Path):
    lib = Library(tmp_path / "data")
    yield lib
    lib.close()
