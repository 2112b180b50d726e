"""A book is matched by its content, not its file's bytes: a metadata editor's rewrite keeps place and audio."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from reader_app.books import load_book
from reader_app.cli.main import build_parser
from reader_app.store import ClipKey, Library, Position
from reader_app.store.identity import content_identity
from tests.support.audio import noise_clip
from tests.support.epub import simple_book

CHAPTERS = [("One", "<p>It was a dark night. The wind howled.</p><p>She waited by the door.</p>"),
            ("Two", "<p>Morning came at last. Nobody had slept.</p>")]


def epub(path: Path, chapters=CHAPTERS, **kwargs) -> Path:
    return simple_book(path, chapters, **kwargs)


def with_zip_comment(src: Path, dest: Path, comment: bytes = b"edited by a metadata editor") -> Path:
    dest.write_bytes(src.read_bytes())
    with zipfile.ZipFile(dest, "a") as zf:
        zf.comment = comment
    return dest


def clip_key(sentence) -> ClipKey:
    return ClipKey.build(sentence.text, "voice", "model")


@pytest.fixture
def edited(tmp_path):
    original = load_book(epub(tmp_path / "book.epub"))
    rewritten = load_book(with_zip_comment(tmp_path / "book.epub", tmp_path / "book (edited).epub"))
    assert original.fingerprint != rewritten.fingerprint
    assert [s.id for s in original.sentences()] == [s.id for s in rewritten.sentences()]
    return original, rewritten


def listen(lib: Library, book) -> None:
    """What the app does with a book: add it, play two sentences (clips and position), choose a voice."""
    record = lib.add_book(book)
    lib.mark_opened(record.id)
    with lib.open_book_cache(book) as cache:
        for sentence in book.sentences()[:2]:
            cache.put_clip(clip_key(sentence), noise_clip(1.0), sentence_id=sentence.id)
    lib.save_position(book.fingerprint, Position(book.sentences()[1].id, 0.75))
    lib.set_book_setting(book.fingerprint, "voice_name", "Anna")


def test_edited_file_keeps_position_settings_and_audio(tmp_path, edited):
    original, rewritten = edited
    with Library(tmp_path / "data") as lib:
        listen(lib, original)
        record = lib.add_book(rewritten)  # the rewritten file, opened later
        assert record.id == original.fingerprint and record.path == rewritten.path
        assert [r.id for r in lib.list_books()] == [original.fingerprint]
        for book_id in (rewritten.fingerprint, record.id):  # callers may use either
            assert lib.position(book_id) == Position(original.sentences()[1].id, 0.75)
            assert lib.book_setting(book_id, "voice_name") == "Anna"
        with lib.open_book_cache(rewritten) as cache:
            assert cache.sync_sentences(rewritten) is False
            for sentence in rewritten.sentences()[:2]:
                assert cache.get_clip(clip_key(sentence)) is not None
            cache.put_clip(clip_key(rewritten.sentences()[2]), noise_clip(0.5))
        assert lib.cache_stats(rewritten.fingerprint).clips == 3
        lib.save_position(rewritten.fingerprint, Position(rewritten.sentences()[2].id, 0.0))
        # And back: the first file is the same book too.
        assert lib.add_book(original).id == original.fingerprint
        assert lib.position(original.fingerprint) == Position(rewritten.sentences()[2].id, 0.0)
        assert lib.cached_book_ids() == [original.fingerprint]


def test_edited_file_found_after_reopening_the_library(tmp_path, edited):
    original, rewritten = edited
    with Library(tmp_path / "data") as lib:
        listen(lib, original)
    with Library(tmp_path / "data") as lib:
        assert lib.add_book(rewritten).id == original.fingerprint
    with Library(tmp_path / "data") as lib:  # no add_book this time: the file is known by its fingerprint now
        assert lib.position(rewritten.fingerprint) is not None
        assert lib.cache_path(rewritten.fingerprint) == lib.cache_path(original.fingerprint)


def test_changed_text_is_another_book(tmp_path):
    first = load_book(epub(tmp_path / "a.epub"))
    changed = [(title, body.replace("dark night", "dark and stormy night")) for title, body in CHAPTERS]
    second = load_book(epub(tmp_path / "b.epub", changed))
    assert content_identity(first) != content_identity(second)
    with Library(tmp_path / "data") as lib:
        listen(lib, first)
        assert lib.add_book(second).id == second.fingerprint
        assert lib.position(second.fingerprint) is None
        assert len(lib.list_books()) == 2


def test_metadata_is_not_part_of_the_identity(tmp_path):
    a = load_book(epub(tmp_path / "a.epub", title="First Title"))
    b = load_book(epub(tmp_path / "b.epub", title="Retitled", authors=("Someone Else",)))
    assert a.fingerprint != b.fingerprint and content_identity(a) == content_identity(b)


def test_book_listed_by_an_older_app_is_matched_through_its_cache(tmp_path, edited):
    """Libraries written before content identities were kept: the cache's sentences tell."""
    original, rewritten = edited
    data_dir = tmp_path / "data"
    with Library(data_dir) as lib:
        listen(lib, original)
    conn = sqlite3.connect(data_dir / "library.db")
    conn.execute("UPDATE books SET content_id = NULL")
    conn.commit()
    conn.close()
    cache = sqlite3.connect(Library.cache_path_for(original.fingerprint, data_dir))
    cache.execute("DELETE FROM meta WHERE key = 'content_id'")
    cache.commit()
    cache.close()
    with Library(data_dir) as lib:
        assert lib.add_book(rewritten).id == original.fingerprint
        assert lib.position(rewritten.fingerprint) == Position(original.sentences()[1].id, 0.75)


def test_imported_cache_is_found_for_an_edited_file(tmp_path, edited):
    original, rewritten = edited
    with Library(tmp_path / "home") as home:
        listen(home, original)
        home.export_cache(original.fingerprint, tmp_path / "usb" / "book.db")
    with Library(tmp_path / "away") as away:
        assert away.import_cache(tmp_path / "usb" / "book.db") == original.fingerprint
        record = away.add_book(rewritten)  # this machine only has the edited file
        assert record.id == original.fingerprint
        with away.open_book_cache(rewritten) as cache:
            assert cache.get_clip(clip_key(rewritten.sentences()[0])) is not None


def test_cache_command_finds_the_audio_of_an_edited_file(tmp_path, edited, capsys):
    original, rewritten = edited
    data_dir = tmp_path / "data"
    with Library(data_dir) as lib:
        listen(lib, original)
    args = build_parser().parse_args(["cache", str(rewritten.path), "--json", "--data-dir", str(data_dir)])
    assert args.handler(args) == 0
    assert json.loads(capsys.readouterr().out)["clips"] == 2
