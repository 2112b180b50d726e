"""`reader-app screenshot OUT_DIR [BOOK]`: the main screens rendered offscreen to PNG files (ui/screenshot.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from reader_app.cli.errors import require_file


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("screenshot", help="render the main screens to PNG files (offscreen)")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("book", nargs="?", type=Path, help="book to show (default: the bundled sample)")
    parser.add_argument("--model", default=None, help="checkpoint folder, to capture playback")
    parser.add_argument("--sentence", type=int, default=9, help="sentence (from 1) to show being read")
    parser.set_defaults(handler=run_screenshot)


def run_screenshot(args: argparse.Namespace) -> int:
    from reader_app.ui.screenshot import run_screenshot as run

    if args.book is not None:
        require_file(args.book)
    return run(args)
