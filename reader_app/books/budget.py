"""What one book may spend while it is parsed: markup tags, paragraphs, text and sentences, counted as the
parse goes, so that a book past a bound is refused (BookError) before it costs more than the bound."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import BookError
from .limits import MAX_MARKUP_TAGS, MAX_PARAGRAPHS, MAX_SENTENCES, MAX_SVG_PIECES, MAX_TEXT_CHARS


@dataclass
class ParseBudget:
    max_tags: int = MAX_MARKUP_TAGS
    max_paragraphs: int = MAX_PARAGRAPHS
    max_text_chars: int = MAX_TEXT_CHARS
    max_sentences: int = MAX_SENTENCES
    max_svg_pieces: int = MAX_SVG_PIECES
    tags: int = 0
    svg_pieces: int = 0
    paragraphs: int = 0
    text_chars: int = 0
    sentences: int = 0

    def spend_markup(self, data: bytes) -> None:
        """Before a document is parsed: its tags, counted in C ("<" opens every node XML can build)."""
        self.tags += data.count(b"<")
        if self.tags > self.max_tags:
            raise BookError(
                f"This EPUB has too much markup to read safely (over {self.max_tags:,} tags; "
                "a long novel has about 200,000)."
            )

    def svg_pieces_left(self) -> int:
        return max(self.max_svg_pieces - self.svg_pieces, 0)

    def spend_svg_pieces(self, count: int) -> None:
        self.svg_pieces += count
        if self.svg_pieces > self.max_svg_pieces:
            raise BookError(
                f"This EPUB's pages hold too much drawn text to read (over {self.max_svg_pieces:,} pieces of SVG text)."
            )

    def spend_paragraphs(self, count: int, chars: int) -> None:
        self.paragraphs += count
        self.text_chars += chars
        if self.paragraphs > self.max_paragraphs:
            raise BookError(f"This book is too long to narrate: it has over {self.max_paragraphs:,} paragraphs.")
        if self.text_chars > self.max_text_chars:
            limit = self.max_text_chars // 2**20
            raise BookError(f"This book is too long to narrate: it holds over {limit} million characters of text.")

    def spend_sentences(self, count: int) -> None:
        self.sentences += count
        if self.sentences > self.max_sentences:
            raise BookError(f"This book is too long to narrate: it has over {self.max_sentences:,} sentences.")
