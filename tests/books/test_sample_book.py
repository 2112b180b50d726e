"""The public-domain sample book shipped for first launch."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

from reader_app.books import load_book

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
SAMPLE = RESOURCES / "sample_book.epub"


def test_sample_book_parses():
    book = load_book(SAMPLE)
    meta = book.metadata
    assert meta.title == "Alice's Adventures in Wonderland"
    assert meta.authors == ("Lewis Carroll",)
    assert meta.language == "en" and book.tts_language == "English"
    assert meta.cover_media_type == "image/png" and meta.cover_image.startswith(b"\x89PNG\r\n\x1a\n")
    titles = [c.title for c in book.chapters]
    assert titles[-2:] == ["Chapter I. Down the Rabbit-Hole", "Chapter II. The Pool of Tears"]
    chapter_one = book.chapters[-2].sentences
    assert chapter_one[0].text == "CHAPTER I. Down the Rabbit-Hole"
    assert chapter_one[1].text.startswith("Alice was beginning to get very tired of sitting by her sister")
    assert book.chapters[-1].sentences[-1].text.endswith("and the whole party swam to the shore.")
    assert not any("*" in s.text for s in book.sentences())  # scene breaks are not read


def test_sample_book_is_reproducible(tmp_path):
    spec = importlib.util.spec_from_file_location("make_sample_book", RESOURCES / "make_sample_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rebuilt = module.build(tmp_path / "sample.epub")
    # Compare contents, not archive bytes: another zlib build may deflate differently.
    with zipfile.ZipFile(rebuilt) as new, zipfile.ZipFile(SAMPLE) as shipped:
        assert new.namelist() == shipped.namelist()
        assert new.namelist()[0] == "mimetype" and shipped.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        for name in new.namelist():
            assert new.read(name) == shipped.read(name), name
