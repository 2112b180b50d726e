"""`reader-app characters BOOK [--json] [--refresh] [--chat] [--assign NAME=VOICE] [--speaker C:S=NAME]`: the
characters found in a book with their line counts and voices; a character's voice; who speaks a line.

Detection (reader_app/studio) runs on first use and is kept in the book's cache; a re-run reads it, `--refresh`
redoes it keeping the reader's corrections, `--chat` asks the configured chat endpoint too (Settings,
attribution_endpoint).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from reader_app.cli.errors import UsageError, require_file, say


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("characters", help="the characters of a book, their lines and voices",
                                   description="List the characters found in a book's dialogue with their line "
                                               "counts; give a character a saved voice; correct who speaks a line.")
    parser.add_argument("book", type=Path, help="the book (EPUB/TXT)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of {name, lines, voice, confidence}")
    parser.add_argument("--refresh", action="store_true",
                        help="find the speakers again (the lines you corrected are kept)")
    parser.add_argument("--chat", action="store_true",
                        help="also ask the chat endpoint of the settings (attribution_endpoint) who speaks")
    parser.add_argument("--assign", action="append", default=[], metavar="NAME=VOICE",
                        help="read NAME's lines with the saved voice VOICE (empty VOICE: the narrator)")
    parser.add_argument("--speaker", action="append", default=[], metavar="CHAPTER:SENTENCE=NAME",
                        help="the line at CHAPTER:SENTENCE (from 1) is NAME's (empty NAME: the narrator's)")
    parser.set_defaults(handler=run_characters)


def _pair(text: str, option: str, left: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"{option} wants {left}=VALUE (got {text!r})")
    return name.strip(), value.strip()


def run_characters(args: argparse.Namespace) -> int:
    from reader_app.books import ParseOptions, load_book
    from reader_app.settings import Settings
    from reader_app.store import Library
    from reader_app.studio import cast as cast_module
    from reader_app.studio.chat import ChatEndpoint
    from reader_app.voices.library import get_voice

    require_file(args.book)
    assignments = [_pair(a, "--assign", "NAME") for a in args.assign]
    corrections = [_pair(s, "--speaker", "CHAPTER:SENTENCE") for s in args.speaker]
    settings = Settings.load()
    chat = None
    if args.chat:
        chat = ChatEndpoint.from_settings(settings.attribution_endpoint, settings.attribution_model,
                                          settings.attribution_key_env)
    book = load_book(args.book, ParseOptions(code_listings=settings.code_listings))
    # Every name checked before the book's dialogue is searched: a typo is said at once, nothing half done.
    lines = []
    for spec, name in corrections:
        try:
            lines.append((cast_module.sentence_at(book, spec), name or None))
        except ValueError as exc:
            raise UsageError(f"--speaker {exc}") from None
    voices = []
    for name, voice in assignments:
        entry = get_voice(voice) if voice else None
        if voice and entry is None:
            raise UsageError(f"--assign {name}={voice}: there is no voice called {voice!r} (reader-app voices list)")
        voices.append((name, entry.name if entry is not None else None))
    with Library() as library:
        library.add_book(book)
        with library.open_book_cache(book) as cache:
            if cast_module.detect(book, cache, refresh=args.refresh, chat=chat):
                say(f"found the speakers of {book.title!r}")
            for sentence, speaker in lines:
                cache.characters.set_speaker(sentence.id, speaker)
            for name, voice_name in voices:
                cache.characters.assign(name, voice_name)
            members = cast_module.cast(cache)
    if args.json:
        print(json.dumps([{"name": m.name, "lines": m.lines, "voice": m.voice, "confidence": m.confidence}
                          for m in members], ensure_ascii=False))
        return 0
    if not members:
        print(f"{book.title}: no characters found")
        return 0
    width = max(len(m.name) for m in members)
    print(book.title)
    for m in members:
        print(f"  {m.name:<{width}}  {m.lines:>5} line(s)  {m.voice or '(narrator)'}")
    return 0
