"""A book whose file name is not UTF-8 (bytes the OS allows, which reach Python as lone surrogates) opens in every
command, as it does in `parse`; the library keeps its name exactly, so it can be opened again."""

from __future__ import annotations

import json
import os
import shutil

from reader_app.resources import sample_book_path
from reader_app.store import Library
from tests.support.cli import isolated_home, run_cli


def test_play_opens_a_book_whose_name_is_not_utf8_and_the_library_keeps_the_name(tmp_path):
    home = isolated_home(tmp_path)
    name = os.fsencode(tmp_path) + b"/caf\xe9.epub"
    shutil.copy(sample_book_path(), name)
    parsed = run_cli(home, "parse", name, timeout=60)
    assert parsed.returncode == 0, parsed.stderr
    played = run_cli(home, "play", name, "--output", "null", "--json", "--sentences", "1", timeout=60)
    assert "error:" not in played.stderr and "Traceback" not in played.stderr, played.stderr
    assert json.loads(played.stdout)["sentences"]  # it opened (without a model the sentence is skipped)
    library = Library(home.data_dir)
    try:
        assert [os.fsencode(record.path) for record in library.list_books()] == [name]
    finally:
        library.close()
