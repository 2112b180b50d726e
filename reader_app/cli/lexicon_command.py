"""`reader-app lexicon list|add|remove|import|export`: the pronunciation lexicon, global or a book's own.

Without --book the global entries (every book); with --book BOOK that book's own entries, which come first. add,
remove and import with --book say how many of that book's sentences the change makes again ("3 sentences will
be generated again"): exactly those whose text, as the model reads it, changed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reader_app.cli.errors import UsageError, require_file

if TYPE_CHECKING:
    from reader_app.books.model import Book
    from reader_app.store.lexicon_store import EntryStore, GlobalLexicon, StoredEntry
    from reader_app.studio.lexicon import Lexicon


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("lexicon", help="the pronunciation lexicon: what the model reads instead of "
                                                   "a word or a pattern",
                                   description="The pronunciation lexicon, global or a book's own: what the "
                                               "model reads instead of a word or a pattern of the text.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def book_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--book", type=Path, default=None,
                       help="the book (EPUB/TXT) whose own entries to use (default: the global entries)")

    listing = actions.add_parser("list", help="list the entries (with --book: the book's, then the global ones)")
    book_option(listing)
    listing.add_argument("--json", action="store_true", help="print a JSON list of objects")

    add = actions.add_parser("add", help="add an entry (one with the same pattern and scope is replaced)")
    add.add_argument("pattern", help="the word (or with --regex, the regular expression) as the book writes it")
    add.add_argument("replacement", help="what the model reads instead (a regex's may use \\1)")
    book_option(add)
    add.add_argument("--regex", action="store_true", help="PATTERN is a regular expression")
    add.add_argument("--language", default=None,
                     help="only for books in this language (English, en, French, ...; default: every language)")
    add.add_argument("--match-case", action="store_true", help="match only this exact case")
    add.add_argument("--no-whole-word", action="store_true", help="also match inside longer words")

    remove = actions.add_parser("remove", help="remove the entries with this pattern (or --id N)")
    remove.add_argument("pattern", nargs="?", default=None, help="the pattern as listed")
    remove.add_argument("--id", type=int, default=None, help="the entry's id as `lexicon list` shows it")
    book_option(remove)

    importing = actions.add_parser("import", help="add the entries of a .tsv or .json file (all or none)")
    importing.add_argument("file", type=Path)
    book_option(importing)

    export = actions.add_parser("export", help="write the entries to a .tsv or .json file")
    export.add_argument("file", type=Path)
    book_option(export)
    parser.set_defaults(handler=run_lexicon)


@dataclass
class _Scope:
    store: EntryStore  # where this command's changes go: the global file, or the book's cache
    glob: GlobalLexicon
    book: Book | None = None

    def lexicon(self) -> Lexicon | None:
        """The book's whole lexicon as narration reads it (its entries, then the global ones)."""
        from reader_app.studio.lexicon import Lexicon

        return Lexicon.of([s.entry for s in self.store.entries()], [s.entry for s in self.glob.entries()])


def run_lexicon(args: argparse.Namespace) -> int:
    with _opened(args.book) as scope:
        return int(_ACTIONS[args.action](args, scope))


@contextlib.contextmanager
def _opened(book_path: Path | None) -> Iterator[_Scope]:
    from reader_app.store import Library
    from reader_app.store.lexicon_store import GlobalLexicon

    if book_path is None:
        from reader_app import paths

        glob = GlobalLexicon(paths.data_dir())
        yield _Scope(glob, glob)
        return
    from reader_app.books import load_book

    require_file(book_path)
    book = load_book(book_path)
    library = Library()
    try:
        library.add_book(book)
        cache = library.open_book_cache(book)
        try:
            yield _Scope(cache.lexicon, GlobalLexicon(library.data_dir), book)
        finally:
            cache.close()
    finally:
        library.close()


def _before(scope: _Scope) -> Lexicon | None:
    return scope.lexicon() if scope.book is not None else None


def _say_impact(scope: _Scope, before: Lexicon | None) -> None:
    if scope.book is None:
        return
    from reader_app.studio.lexicon_impact import lexicon_impact

    impact = lexicon_impact(scope.book.sentences(), before, scope.lexicon(), scope.book.tts_language)
    print(f"{impact.summary()} in {scope.book.title!r}.")


def _list(args: argparse.Namespace, scope: _Scope) -> int:
    from reader_app.studio.lexicon_files import entry_to_json, flags_of

    rows: list[StoredEntry] = scope.store.entries()
    if scope.book is not None:
        rows += scope.glob.entries()
    if args.json:
        print(json.dumps([{"id": s.id, "scope": s.scope.value, **entry_to_json(s.entry)} for s in rows],
                         ensure_ascii=False))
        return 0
    if not rows:
        print("No entries." + ("" if scope.book is not None else " Add one: reader-app lexicon add WORD SPOKEN"))
        return 0
    for s in rows:
        details = ", ".join([*flags_of(s.entry), *([s.entry.language] if s.entry.language else [])])
        print(f"{s.id:>4}  {s.scope.value:<6}  {s.entry.pattern} -> {s.entry.replacement}"
              + (f"  ({details})" if details else ""))
    return 0


def _add(args: argparse.Namespace, scope: _Scope) -> int:
    from reader_app.studio.lexicon import LexiconEntry

    entry = LexiconEntry.make(args.pattern, args.replacement, is_regex=args.regex, match_case=args.match_case,
                              whole_word=False if args.no_whole_word else None, language=args.language)
    before = _before(scope)
    stored = scope.store.add(entry)
    print(f"Entry {stored.id} ({stored.scope.value}): {entry.pattern} -> {entry.replacement}")
    _say_impact(scope, before)
    return 0


def _remove(args: argparse.Namespace, scope: _Scope) -> int:
    if (args.pattern is None) == (args.id is None):
        raise UsageError("lexicon remove wants a PATTERN or --id N (one of them)")
    before = _before(scope)
    removed = int(scope.store.remove(args.id)) if args.id is not None else scope.store.remove_pattern(args.pattern)
    if not removed:
        what = f"id {args.id}" if args.id is not None else f"the pattern {args.pattern!r}"
        raise UsageError(f"no {scope.store.scope.value} entry has {what} (see reader-app lexicon list"
                         f"{' --book BOOK' if scope.book is not None else ''})")
    print(f"Removed {removed} entr{'y' if removed == 1 else 'ies'}.")
    _say_impact(scope, before)
    return 0


def _import(args: argparse.Namespace, scope: _Scope) -> int:
    from reader_app.studio.lexicon_files import read_lexicon_file

    require_file(args.file, "lexicon")
    entries = read_lexicon_file(args.file)
    before = _before(scope)
    added, replaced = scope.store.add_all(entries)
    print(f"Imported {len(entries)} entries into the {scope.store.scope.value} lexicon "
          f"({added} new, {replaced} replaced).")
    _say_impact(scope, before)
    return 0


def _export(args: argparse.Namespace, scope: _Scope) -> int:
    from reader_app.studio.lexicon_files import format_for, write_lexicon_file

    format_for(args.file)  # a wrong suffix is said before anything is written
    entries = [s.entry for s in scope.store.entries()]
    write_lexicon_file(args.file, entries)
    print(f"Wrote {len(entries)} entries to {args.file}.")
    return 0


_ACTIONS = {"list": _list, "add": _add, "remove": _remove, "import": _import, "export": _export}
