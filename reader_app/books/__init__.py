"""Books: EPUB/TXT parsing into chapters of speakable sentences with stable ids. Qt-free."""

from .errors import BookError
from .loader import PARSER_VERSION, load_book
from .model import Book, BookMetadata, Chapter, Sentence

__all__ = ["PARSER_VERSION", "Book", "BookError", "BookMetadata", "Chapter", "Sentence", "load_book"]
