"""`reader-app` (also `python -m reader_app`): the GUI by default, and subcommands for headless work.

Subcommands are listed once, in COMMANDS; each command module imports its heavy dependencies only when it
runs, so `reader-app --version` and `--help` answer at once.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from reader_app import __version__
from reader_app.cli import (
    bench_command,
    cache_command,
    characters_command,
    checkpoint_command,
    errors,
    export_command,
    gui_command,
    lexicon_command,
    parse_command,
    play_command,
    regen_command,
    screenshot_command,
    serve_command,
    speak_command,
    voices_command,
)

# Every subcommand, in `--help` order. Each module's register(subparsers) adds its parser and sets
# `handler=`, a function of the parsed arguments returning the exit code.
COMMANDS = (gui_command, parse_command, play_command, export_command, voices_command, speak_command,
            regen_command, lexicon_command, characters_command, cache_command, serve_command, bench_command,
            screenshot_command, checkpoint_command)


def build_parser() -> argparse.ArgumentParser:
    parser = errors.ArgumentParser(prog="reader-app", description="Audiobook reader with Qwen3-TTS narration.")
    parser.add_argument("--version", action="version", version=f"reader-app {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser.add_argument(errors.DEBUG_FLAG, action="store_true",
                        help=f"show the traceback of an error (also {errors.DEBUG_ENV}=1); anywhere on the line")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # a reader that went away shows here, not as 'Broken pipe' at interpreter exit
        return code
    except SystemExit:  # argparse: --help, --version, a bad argument
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            errors.stdout_closed()
        raise
    except BrokenPipeError:
        return errors.stdout_closed()


def _main(argv: list[str] | None) -> int:
    argv, debug = errors.take_debug_flag(list(sys.argv[1:] if argv is None else argv))
    errors.set_debug(debug)
    if argv and Path(argv[0]).suffix.lower() in (".epub", ".txt"):
        argv.insert(0, "gui")  # `reader-app book.epub` opens it in the window
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose or debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    handler = getattr(args, "handler", None)
    if handler is None:
        from reader_app.ui.app import run_gui

        return run_gui(None)
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place every command's failure becomes one line
        if debug:
            raise
        return errors.report(exc)


if __name__ == "__main__":
    sys.exit(main())
