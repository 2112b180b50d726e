"""The parse options a user chooses (issue 19): the code_listings setting and what it hands the parser."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reader_app.books import CodeListings, ParseOptions
from reader_app.settings import SettingError, Settings


def test_code_listings_setting_defaults_to_summarise_and_is_checked():
    assert Settings().code_listings is CodeListings.SUMMARISE
    settings, problems = Settings.from_values({"code_listings": "skip"})
    assert settings.code_listings is CodeListings.SKIP and not problems
    settings, problems = Settings.from_values({"code_listings": "recite"})
    assert settings.code_listings is CodeListings.SUMMARISE and "code_listings" in problems[0]
    with pytest.raises(SettingError):
        Settings().code_listings = "loud"  # type: ignore[assignment]
    assert "code_listings" in {f.name for f in Settings.editable_fields()}


def test_settings_round_trip(tmp_path):
    path = tmp_path / "settings.json"
    settings = Settings()
    settings.code_listings = CodeListings.READ
    settings.save(path)
    assert Settings.load(path).code_listings is CodeListings.READ


def test_options_default():
    assert ParseOptions().code_listings is CodeListings.SUMMARISE


def test_settings_do_not_import_the_parser():
    # The options live beside the parser, but settings (imported by every command) must not load lxml/ebooklib.
    code = "import sys, reader_app.settings; print('ebooklib' in sys.modules, 'lxml.etree' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
