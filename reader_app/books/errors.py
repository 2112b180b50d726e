"""The one exception the books layer raises for a book it cannot read."""

from __future__ import annotations


class BookError(Exception):
    """A book that cannot be read. ``str(error)`` is a one-line message fit to show a user."""

    def __init__(self, message: str) -> None:
        # Keep the message on one line: the GUI shows it in a dialog, the CLI on stderr.
        super().__init__(" ".join(str(message).split()))
