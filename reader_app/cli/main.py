"""`reader-app` (also `python -m reader_app`): the GUI by default, and subcommands for headless work.

Subcommand modules register themselves here; each imports its heavy dependencies only when it runs, so
`reader-app --version` and `--help` answer at once.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from reader_app import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reader-app", description="Audiobook reader with Qwen3-TTS narration.")
    parser.add_argument("--version", action="version", version=f"reader-app {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _registrars():
        register(subparsers)
    return parser


def _registrars():
    from reader_app.books.cli import add_parse_parser
    from reader_app.cli.gui_command import add_gui_parser
    from reader_app.store.cli import add_cache_parser
    from reader_app.tts.cli import add_tts_parsers

    registrars = [add_gui_parser, add_parse_parser, add_cache_parser, add_tts_parsers]
    for optional in ("reader_app.tts.bench:add_bench_parser", "reader_app.cli.play_command:add_play_parsers",
                     "reader_app.cli.voices_command:add_voices_parser",
                     "reader_app.ui.screenshot:add_screenshot_parser"):
        module_name, function = optional.split(":")
        try:
            module = __import__(module_name, fromlist=[function])
        except ImportError:
            continue  # a capability not shipped in this build
        registrars.append(getattr(module, function))
    return registrars


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and Path(argv[0]).suffix.lower() in (".epub", ".txt"):
        argv.insert(0, "gui")  # `reader-app book.epub` opens it in the window
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    handler = getattr(args, "handler", None) or getattr(args, "func", None)
    if args.command is None or handler is None:
        from reader_app.ui.app import run_gui

        return run_gui(None)
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
