"""Shared GUI test setup: one temporary library and one tiny-model engine per module (the model loads once),
and a library of its own for each test that needs one."""

from __future__ import annotations

import pytest

from reader_app.audio.output import NullOutput
from reader_app.store import Library
from reader_app.ui.services import AppServices
from tests.support.ui import TINY_ENGINE, tiny_settings


@pytest.fixture(scope="module")
def shared_services(tiny_custom_voice, tmp_path_factory):
    library = Library(tmp_path_factory.mktemp("library"))
    yield AppServices(tiny_settings(tiny_custom_voice), library, output_factory=lambda: NullOutput(),
                      save_settings=False, engine_options=TINY_ENGINE)
    library.close()


@pytest.fixture
def library(tmp_path):
    library = Library(tmp_path / "library")
    yield library
    library.close()
