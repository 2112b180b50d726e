"""`reader-app lexicon` end to end in a subprocess: global and per-book entries, the count of sentences a change
makes again, import/export round trips, one-line errors with their exit codes; the narration config sees it."""

from __future__ import annotations

import json

from reader_app.books import load_book
from reader_app.narration.plan import NarrationPlan
from reader_app.narration.session import book_narration_config
from reader_app.settings import Settings
from reader_app.store import Library
from tests.support.cli import isolated_home, run_cli

TEXT = ("The GIF Book\n\n"
        "Chapter 1\n\n"
        "She made a gif of the cat. The cat watched the GIF loop.\n\n"
        "Nobody spoke. The night was long, and 5km away a dog barked.\n\n"
        "Chapter 2\n\n"
        "A gifted painter came. He did not like the gif at all.\n")


def _book(tmp_path):
    path = tmp_path / "gif.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def _ok(home, *args: str) -> str:
    done = run_cli(home, "lexicon", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_lexicon_commands_end_to_end(tmp_path, monkeypatch):
    home, book = isolated_home(tmp_path), _book(tmp_path)
    assert "No entries." in _ok(home, "list")
    out = _ok(home, "add", "gif", "jif", "--book", str(book))
    assert "Entry 1 (book): gif -> jif" in out
    assert "4 sentences will be generated again in 'gif'" in out  # the heading too; "gifted" is another word
    out = _ok(home, "add", r"(\d+)km", r"\1 kilometres", "--regex", "--book", str(book))
    assert "1 sentence will be generated again" in out
    out = _ok(home, "add", "gif", "jif", "--book", str(book))  # the same entry again: nothing changes
    assert "No sentence will be generated again" in out
    _ok(home, "add", "night", "nite", "--language", "fr", "--match-case", "--no-whole-word")
    listed = json.loads(_ok(home, "list", "--book", str(book), "--json"))
    assert [(e["scope"], e["pattern"], e["regex"]) for e in listed] == [
        ("book", "gif", False), ("book", r"(\d+)km", True), ("global", "night", False)]
    assert listed[2] == {"id": 1, "scope": "global", "pattern": "night", "replacement": "nite", "regex": False,
                         "match_case": True, "whole_word": False, "language": "French"}
    assert "night -> nite  (match-case, no-whole-word, French)" in _ok(home, "list")

    # The narration config reads the same lexicon: the plan's keys hold the rewritten text.
    monkeypatch.setenv("XDG_DATA_HOME", home.env["XDG_DATA_HOME"])
    parsed = load_book(book)
    with Library(home.data_dir) as library:
        config = book_narration_config(Settings(), library, parsed, None)
    plan = NarrationPlan(parsed.sentences(), config, lambda _keys: set())
    spoken = [plan.request(i).text for i in range(len(plan))]
    assert "She made a jif of the cat." in spoken and "The cat watched the JIF loop." in spoken
    assert any("5 kilometres away" in text for text in spoken)

    for name in ("words.tsv", "words.json"):
        _ok(home, "export", str(tmp_path / name), "--book", str(book))
    out = _ok(home, "remove", "gif", "--book", str(book))
    assert "Removed 1 entry." in out and "4 sentences will be generated again" in out
    out = _ok(home, "import", str(tmp_path / "words.json"), "--book", str(book))
    assert "Imported 2 entries into the book lexicon (1 new, 1 replaced)" in out
    assert "4 sentences will be generated again" in out
    assert "Imported 2 entries into the global lexicon (2 new, 0 replaced)" in _ok(
        home, "import", str(tmp_path / "words.tsv"))
    assert (tmp_path / "words.tsv").read_text().splitlines()[1:] == ["gif\tjif\t\t",
                                                                      "(\\d+)km\t\\1 kilometres\tregex\t"]
    assert "Removed 1 entry." in _ok(home, "remove", "--id", "1")
    assert [e["pattern"] for e in json.loads(_ok(home, "list", "--json"))] == ["gif", r"(\d+)km"]


def test_lexicon_errors_are_one_line_with_their_exit_code(tmp_path):
    home, book = isolated_home(tmp_path), _book(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('[{"pattern": "(a", "replacement": "x", "regex": true}]')
    for args, code, message in [
        (("add", "(a", "x", "--regex"), 1, "'(a' is not a valid regular expression: missing )"),
        (("add", "a", "b", "--language", "Klingon"), 1, "unknown language 'Klingon'"),
        (("import", str(bad)), 1, "bad.json entry 1: '(a' is not a valid regular expression"),
        (("import", str(tmp_path / "none.tsv")), 2, "No such lexicon file"),
        (("export", str(tmp_path / "x.xml")), 1, "ends in .tsv or .json"),
        (("remove", "nothing"), 2, "no global entry has the pattern 'nothing'"),
        (("remove",), 2, "wants a PATTERN or --id N"),
        (("list", "--book", str(tmp_path / "missing.epub")), 2, "No such book file"),
        (("add", "a", "b", "--book", str(book), "--bogus"), 2, "unrecognized arguments"),
    ]:
        done = run_cli(home, "lexicon", *args)
        assert done.returncode == code, (args, done.stderr)
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, (args, done.stderr)
    assert json.loads(run_cli(home, "lexicon", "list", "--json").stdout) == []  # nothing half-imported
