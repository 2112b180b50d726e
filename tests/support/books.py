"""Books made in memory for tests (also imported by the subprocess children)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from reader_app.books.model import Book, BookMetadata, Chapter, Sentence


def make_book(chapters: list[list[list[str]]] | None = None, *, n_chapters: int = 2, per_chapter: int = 5,
              title: str = "Test Book", path: Path | None = None, seed: str = "a", parser_version: int = 1) -> Book:
    """A book of `chapters` (chapters -> paragraphs -> sentence texts), or, without them, n_chapters of
    per_chapter generated sentences, two to a paragraph. Sentence ids are "c<chapter>s<index>"; the
    fingerprint follows the texts given, or the seed (so a "re-parse" with another shape is the same file)."""
    if chapters is None:
        chapters = [[[f"Sentence {i} of chapter {c} ({seed})." for i in range(p, min(p + 2, per_chapter))]
                     for p in range(0, per_chapter, 2)] for c in range(n_chapters)]
        identity = seed
    else:
        identity = repr(chapters)
    built = []
    for c, paragraphs in enumerate(chapters):
        sentences: list[Sentence] = []
        for p, paragraph in enumerate(paragraphs):
            for text in paragraph:
                sentences.append(Sentence(id=f"c{c}s{len(sentences)}", text=text, chapter_index=c,
                                          index=len(sentences), paragraph_index=p))
        built.append(Chapter(c, f"Chapter {c + 1}", tuple(sentences)))
    return Book(path=path or Path(f"/books/{title}.txt"), fingerprint=hashlib.sha256(identity.encode()).hexdigest(),
                format="txt", metadata=BookMetadata(title=title, authors=("A. Writer",), language="en",
                                                    cover_image=b"\x89PNGfake", cover_media_type="image/png"),
                chapters=tuple(built), parser_version=parser_version, tts_language="English")
