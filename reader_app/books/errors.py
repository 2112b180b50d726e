"""The one exception the books layer raises for a book it cannot read, and how file names are shown in it."""

from __future__ import annotations

import os
import re
from pathlib import PurePath

_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with what no encoder accepts made visible: bytes a file name held that were not UTF-8
    (kept by the OS as lone surrogates, "surrogateescape") become U+FFFD, as do other lone surrogates."""
    if not _SURROGATE.search(text):
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # surrogates that are not escaped bytes
        return _SURROGATE.sub("\ufffd", text)


def display_name(path: str | PurePath) -> str:
    """A file's name, safe to print on any terminal and to store: “café.epub”."""
    return printable(os.path.basename(os.fspath(path)))


class BookError(Exception):
    """A book that cannot be read. ``str(error)`` is a one-line message fit to show a user."""

    def __init__(self, message: str) -> None:
        # Keep the message on one line: the GUI shows it in a dialog, the CLI on stderr.
        super().__init__(printable(" ".join(str(message).split())))
