"""A book's content identity: what it says, not the bytes of its file.

A metadata editor (a zip comment, a rewritten OPF, a new cover) changes the file's sha256 but not one sentence,
so a book is matched by the hash of its sentences in reading order (their stable ids and their texts) as well
as by its file fingerprint. The title and other metadata are left out on purpose: editing them is exactly what
must not lose the reader's place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from reader_app.books.model import Book


def content_identity_of(sentences: Iterable[tuple[str, str]]) -> str:
    """The identity of (sentence id, text) pairs in reading order."""
    digest = hashlib.sha256()
    for sentence_id, text in sentences:
        digest.update(sentence_id.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def content_identity(book: Book) -> str:
    return content_identity_of((s.id, s.text) for s in book.sentences())
