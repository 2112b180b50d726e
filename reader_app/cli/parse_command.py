"""`reader-app parse BOOK [--json]`: show what the parser makes of a book."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reader_app.books import ParseOptions
    from reader_app.books.model import Book


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="parse an EPUB or TXT book and print its chapters",
        description="Parse an EPUB or TXT book and print its metadata and chapters (or everything, as JSON).",
    )
    parser.add_argument("book", metavar="BOOK", help="path to an .epub or .txt file")
    parser.add_argument("--json", action="store_true", help="print the full structure, every sentence, as JSON")
    parser.add_argument("--code-listings", choices=("read", "summarise", "skip"), default=None,
                        help="program listings in an EPUB: read verbatim, one short 'Code listing, N lines.' "
                        "(summarise) or nothing (default: the code_listings setting, summarise)")
    parser.set_defaults(handler=run_parse)


def run_parse(args: argparse.Namespace) -> int:
    from pathlib import Path

    from reader_app.books import BookError, load_book
    from reader_app.cli.errors import require_file

    require_file(Path(args.book))  # not found: exit 2, as in every command (cli/errors.py)
    try:
        book = load_book(args.book, parse_options(getattr(args, "code_listings", None)))
    except BookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        if getattr(args, "json", False):
            json.dump(book_to_json(book), sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(book_summary(book))
        sys.stdout.flush()
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error. Stop Python's own flush at exit failing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def parse_options(code_listings: str | None) -> ParseOptions:
    """The options a command parses a book with: the user's settings, unless the command line says."""
    from reader_app.books import CodeListings, ParseOptions

    if code_listings is None:
        from reader_app.settings import Settings

        return ParseOptions(code_listings=Settings.load().code_listings)
    return ParseOptions(code_listings=CodeListings(code_listings))


def book_to_json(book: Book) -> dict[str, Any]:
    return {
        "title": book.metadata.title,
        "authors": list(book.metadata.authors),
        "language": book.metadata.language,
        "tts_language": book.tts_language,
        "format": book.format,
        "fingerprint": book.fingerprint,
        "parser_version": book.parser_version,
        "warnings": list(book.warnings),
        "chapters": [
            {
                "index": chapter.index,
                "title": chapter.title,
                "sentences": [
                    {"id": s.id, "text": s.text, "paragraph_index": s.paragraph_index} for s in chapter.sentences
                ],
            }
            for chapter in book.chapters
        ],
    }


def book_summary(book: Book) -> str:
    meta = book.metadata
    lines = [
        f"Title:     {meta.title}",
        f"Authors:   {', '.join(meta.authors) or '-'}",
        f"Language:  {meta.language or '-'} (narration: {book.tts_language})",
        f"Format:    {book.format}",
        f"Cover:     {f'{meta.cover_media_type}, {len(meta.cover_image)} bytes' if meta.cover_image else '-'}",
        f"Chapters:  {len(book.chapters)}, sentences: {book.sentence_count()}",
        f"SHA-256:   {book.fingerprint}",
        f"Parser:    v{book.parser_version}",
    ]
    lines += [f"Warning:   {warning}" for warning in book.warnings]
    lines.append("")
    width = len(str(len(book.chapters)))
    for chapter in book.chapters:
        lines.append(f"{chapter.index + 1:>{width}}. {chapter.title}  ({len(chapter.sentences)} sentences)")
    return "\n".join(lines) + "\n"

