"""Fixtures: a library in a temporary folder (never the user's data dir) and a small book."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `pytest` (not `python -m pytest`) does not put the repo root on the path
    sys.path.insert(0, str(ROOT))

from reader_app.store import Library
from tests.store.support import make_book


@pytest.fixture
def book():
    return make_book()


@pytest.fixture
def library(tmp_path: Path):
    lib = Library(tmp_path / "data")
    yield lib
    lib.close()
