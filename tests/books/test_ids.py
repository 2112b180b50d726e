"""Stable sentence identities and fingerprints: the audio cache and saved positions depend on them."""

from __future__ import annotations

from reader_app.books import PARSER_VERSION, load_book
from reader_app.books.assemble import RawChapter, build_chapters, sentence_id
from tests.support.epub import simple_book


def test_ids_stable_across_reparse_and_renames(tmp_path):
    path = simple_book(tmp_path / "a.epub", [("One", "<p>Hello there, friend. Hello there, friend. Bye now.</p>")])
    first = load_book(path)
    moved = tmp_path / "renamed.epub"
    moved.write_bytes(path.read_bytes())
    second = load_book(moved)
    assert [s.id for s in first.sentences()] == [s.id for s in second.sentences()]
    assert first.fingerprint == second.fingerprint and len(first.fingerprint) == 64
    assert first.parser_version == PARSER_VERSION


def test_repeated_text_gets_distinct_ids():
    chapters = build_chapters([RawChapter("c", ["Yes, my lord.", "Yes, my lord.", "Yes, my lord."])], "en")
    ids = [s.id for s in chapters[0].sentences]
    assert len(set(ids)) == 3
    assert ids == [sentence_id(0, "Yes, my lord.", n) for n in range(3)]


def test_id_depends_on_chapter_text_and_occurrence_only():
    a = build_chapters([RawChapter("c", ["Alpha beta gamma.", "Delta epsilon zeta."])], "en")[0].sentences
    # An edit earlier in the chapter does not move the ids of later, unchanged sentences.
    b = build_chapters([RawChapter("c", ["Something new here.", "Alpha beta gamma.", "Delta epsilon zeta."])],
                       "en")[0].sentences
    assert {s.id for s in a} <= {s.id for s in b}
    # The same text in another chapter is another sentence.
    assert sentence_id(0, "Alpha beta gamma.", 0) != sentence_id(1, "Alpha beta gamma.", 0)


def test_sentence_fields_and_lookup(tmp_path):
    path = tmp_path / "b.txt"
    path.write_text("Chapter 1\n\nFirst sentence here. Second one here.\n\nNew paragraph now.\n\nChapter 2\n\nEnd of it.",  # noqa: E501 - test text
                    encoding="utf-8")
    book = load_book(path)
    for chapter in book.chapters:
        for i, s in enumerate(chapter.sentences):
            assert s.chapter_index == chapter.index and s.index == i
            assert book.sentence_by_id[s.id] is s
    assert [s.paragraph_index for s in book.chapters[0].sentences] == [0, 1, 1, 2]
    assert [c.index for c in book.chapters] == [0, 1]


def test_fingerprint_is_sha256_of_bytes(tmp_path):
    import hashlib

    path = tmp_path / "b.txt"
    path.write_bytes(b"Some text to read aloud.")
    assert load_book(path).fingerprint == hashlib.sha256(b"Some text to read aloud.").hexdigest()


def test_book_path_is_absolute(tmp_path, monkeypatch):
    (tmp_path / "b.txt").write_text("Some text to read aloud.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_book("b.txt").path == tmp_path / "b.txt"
