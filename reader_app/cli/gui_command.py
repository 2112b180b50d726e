"""`reader-app gui [BOOK]`: the window (the default when no subcommand is given)."""

from __future__ import annotations

import argparse
from pathlib import Path

from reader_app.cli.errors import require_file


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gui", help="open the reader window (default)")
    parser.add_argument("book", nargs="?", type=Path, help="EPUB or TXT file to open")
    parser.set_defaults(handler=run_gui_command)


def run_gui_command(args: argparse.Namespace) -> int:
    from reader_app.ui.app import run_gui

    if args.book is not None:
        require_file(args.book)
    return run_gui(args.book)
