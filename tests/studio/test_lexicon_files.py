"""Lexicon files and stores: TSV and JSON round trips, hostile files refused whole, the book's entries in its
cache (kept through a rebuild) and the global file."""

from __future__ import annotations

import json
import os

import pytest

from reader_app.store.book_cache import BookCache
from reader_app.store.lexicon_store import GLOBAL_FILE, GlobalLexicon, Scope, book_lexicon, read_book_entries
from reader_app.store.repair import RepairReport, _rebuild
from reader_app.studio.lexicon import LexiconEntry, LexiconError
from reader_app.studio.lexicon_files import read_lexicon_file, write_lexicon_file

ENTRIES = [
    LexiconEntry.make("gif", "jif"),
    LexiconEntry.make("NASA", "nah-sah", match_case=True),
    LexiconEntry.make("über", "ueber", whole_word=False, language="de"),
    LexiconEntry.make(r"(\d+)\s?km", r"\1 kilometres", is_regex=True),
    LexiconEntry.make(r"St\.", "Saint", is_regex=True, whole_word=True, language="English"),
    LexiconEntry.make("北京", "Beijing", language="zh"),
]


@pytest.mark.parametrize("name", ["words.tsv", "words.json"])
def test_round_trip(tmp_path, name):
    path = tmp_path / name
    write_lexicon_file(path, ENTRIES)
    assert read_lexicon_file(path) == ENTRIES


def test_the_tsv_is_plain_and_hand_written_files_read():
    path_text = ("pattern\treplacement\tflags\tlanguage\n"
                 "# a comment\n"
                 "\n"
                 "gif\tjif\n"
                 "colour\tcolor\tmatch-case,no-whole-word\tEnglish\r\n"
                 "(\\d+)km\t\\1 k\tregex\t\n")
    from reader_app.studio.lexicon_files import format_tsv, parse_tsv

    entries = parse_tsv(path_text)
    assert entries == [LexiconEntry.make("gif", "jif"),
                       LexiconEntry.make("colour", "color", match_case=True, whole_word=False, language="en"),
                       LexiconEntry.make(r"(\d+)km", r"\1 k", is_regex=True)]
    assert format_tsv(entries).splitlines() == ["pattern\treplacement\tflags\tlanguage", "gif\tjif\t\t",
                                                "colour\tcolor\tmatch-case,no-whole-word\tEnglish",
                                                "(\\d+)km\t\\1 k\tregex\t"]


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("a.tsv", "gif\tjif\n", "first line must be the header"),
    ("a.tsv", "", "is empty"),
    ("a.tsv", "pattern\treplacement\ngif\n", "line 2: 1 columns"),
    ("a.tsv", "pattern\treplacement\ngif\tjif\tbold\n", "line 2: unknown flag 'bold'"),
    ("a.tsv", "pattern\treplacement\n(a\tx\tregex\n", "line 2: '(a' is not a valid regular expression: missing )"),
    ("a.tsv", "pattern\treplacement\ngif\tjif\t\tKlingon\n", "line 2: unknown language"),
    ("a.tsv", "pattern\treplacement\na\tb\tc\td\te\n", "5 columns"),
    ("a.json", "{\"pattern\": \"a\"}", "must hold a list"),
    ("a.json", "[1]", "entry 1: an entry must be an object"),
    ("a.json", "[{\"pattern\": \"a\", \"replacement\": \"b\", \"evil\": 1}]", "unknown key 'evil'"),
    ("a.json", "[{\"pattern\": \"a\", \"replacement\": 3}]", "'replacement' must be text"),
    ("a.json", "[{\"pattern\": \"a\", \"replacement\": \"b\", \"regex\": \"yes\"}]", "must be true or false"),
    ("a.json", "[" * 5000 + "]" * 5000, "nested too deeply"),
    ("a.json", "[{\"pattern\": \"x?\", \"replacement\": \"b\", \"regex\": true}]", "matches empty text"),
    ("a.xml", "<x/>", "ends in .tsv or .json"),
])
def test_hostile_files_are_refused_with_one_line(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as caught:
        read_lexicon_file(path)
    assert reason in str(caught.value) and "\n" not in str(caught.value)


def test_binary_huge_and_special_files_are_refused(tmp_path):
    (tmp_path / "bin.tsv").write_bytes(b"pattern\treplacement\n\xff\xfe\tx\n")
    (tmp_path / "nul.tsv").write_bytes(b"pattern\treplacement\na\x00\tb\n")
    (tmp_path / "big.json").write_bytes(b"[" + b" " * (2 << 20) + b"]")
    (tmp_path / "dir.tsv").mkdir()
    many = "pattern\treplacement\n" + "".join(f"w{i}\tx\n" for i in range(6000))
    (tmp_path / "many.tsv").write_text(many)
    os.mkfifo(tmp_path / "fifo.tsv")
    for name, reason in [("bin.tsv", "not UTF-8"), ("nul.tsv", "not a text file"), ("big.json", "too large"),
                         ("dir.tsv", "not a plain file"), ("many.tsv", "more than 5,000 entries"),
                         ("fifo.tsv", "not a plain file")]:
        with pytest.raises(LexiconError, match=reason):
            read_lexicon_file(tmp_path / name)


def test_the_book_lexicon_lives_in_its_cache_and_survives_a_rebuild(tmp_path):
    path = tmp_path / "book.db"
    with BookCache(path, book_id="b1") as cache:
        first = cache.lexicon.add(ENTRIES[0])
        assert cache.lexicon.add_all(ENTRIES[1:] + [LexiconEntry.make("gif", "ghif")]) == (5, 1)
        assert [s.entry.replacement for s in cache.lexicon.entries()][0] == "ghif"
        assert cache.lexicon.entries()[0].id == first.id and first.scope is Scope.BOOK
        assert cache.lexicon.update(first.id, LexiconEntry.make("gif", "jiff"))
        assert cache.lexicon.remove_pattern("NASA") == 1
        assert not cache.lexicon.remove(999)
    expected = [LexiconEntry.make("gif", "jiff"), *ENTRIES[2:]]
    assert read_book_entries(path) == expected
    assert _rebuild(path, "b1", RepairReport(path)).rebuilt  # what a damaged cache goes through
    assert read_book_entries(path) == expected
    assert read_book_entries(tmp_path / "none.db") == []


def test_the_global_lexicon_file(tmp_path):
    glob = GlobalLexicon(tmp_path)
    a = glob.add(ENTRIES[0])
    glob.add_all(ENTRIES[1:3])
    assert [s.id for s in glob.entries()] == [a.id, a.id + 1, a.id + 2]
    assert glob.remove(a.id) and glob.remove_pattern("über") == 1
    assert GlobalLexicon(tmp_path).entries()[0].entry == ENTRIES[1]
    assert glob.add(ENTRIES[3]).id == a.id + 3  # ids are not reused
    with BookCache(tmp_path / "b.db", book_id="b") as cache:
        cache.lexicon.add(LexiconEntry.make("NASA", "N.A.S.A.", match_case=True))
    lexicon = book_lexicon(tmp_path, tmp_path / "b.db")
    assert lexicon is not None and lexicon.rewrite("NASA ran 3km", "English") == "N.A.S.A. ran 3 kilometres"


def test_a_global_file_that_is_not_ours_is_set_aside_on_the_next_change(tmp_path):
    (tmp_path / GLOBAL_FILE).write_text("{not json")
    glob = GlobalLexicon(tmp_path)
    assert glob.entries() == [] and glob.notice and "could not be read" in glob.notice
    glob.add(ENTRIES[0])
    assert (tmp_path / (GLOBAL_FILE + ".bad")).read_text() == "{not json"
    # An entry edited by hand into something unusable is left out, the others kept.
    raw = json.loads((tmp_path / GLOBAL_FILE).read_text())
    raw["entries"].append({"id": 9, "pattern": "(a", "replacement": "b", "regex": True})
    (tmp_path / GLOBAL_FILE).write_text(json.dumps(raw))
    assert [s.entry for s in GlobalLexicon(tmp_path).entries()] == [ENTRIES[0]]
