"""Books: EPUB/TXT parsing into chapters of speakable sentences with stable ids. Qt-free.

The parser (lxml, ebooklib) is imported on first use of ``load_book`` or ``PARSER_VERSION``: settings and the
command line import the model and the options without paying for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import BookError
from .model import Book, BookMetadata, Chapter, Sentence
from .options import CodeListings, ParseOptions

if TYPE_CHECKING:
    from .loader import PARSER_VERSION, load_book

__all__ = ["PARSER_VERSION", "Book", "BookError", "BookMetadata", "Chapter", "CodeListings", "ParseOptions",
           "Sentence", "load_book"]


def __getattr__(name: str) -> Any:
    if name in ("PARSER_VERSION", "load_book"):
        from . import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
