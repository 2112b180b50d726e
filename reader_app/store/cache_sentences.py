"""A book cache's chapters and sentences: which book the cache accepts (its file, a known other file of it, or
the same content), storing the book's chapters and sentences when their signature changed (clips are kept), and
keeping the meta a rebuilt library lists the book from current."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from reader_app import paths
from reader_app.books.model import Book
from reader_app.store.cache_base import CacheBase
from reader_app.store.errors import StoreError, StoreProblem, translated
from reader_app.store.identity import content_identity


class CacheSentences(CacheBase):
    """Which book the cache accepts; its chapters and sentences, stored when they changed."""

    def accepts(self, book: Book) -> bool:
        """Is `book` the one this cache belongs to (same file, a known other file of it, or the same content)?"""
        stored = self.book_id
        if stored is None or book.fingerprint == stored or book.fingerprint in self._aliases:
            return True
        known = self.meta("content_id")
        return known is not None and known == content_identity(book)

    def sync_sentences(self, book: Book) -> bool:
        """Store the book's chapters and sentences (clips are kept). Returns False when already up to date.

        In a read-only folder nothing is stored (False): clips are found by their keys all the same."""
        if not self.accepts(book):
            raise StoreError(f"{self.path.name} holds the cache of another book, not {book.title!r}",
                             StoreProblem.OTHER_BOOK)
        if self.read_only:
            return False
        sentences = book.sentences()
        signature = hashlib.sha256(json.dumps(
            [book.parser_version, [(s.id, s.text, s.chapter_index, s.index, s.paragraph_index) for s in sentences],
             [c.title for c in book.chapters]], ensure_ascii=False).encode()).hexdigest()
        # What a rebuilt library needs to list this book again (library.db damaged): kept current on every open.
        meta = {"title": book.title, "authors": json.dumps(book.metadata.authors), "format": book.format,
                "parser_version": str(book.parser_version), "tts_language": book.tts_language,
                "path": paths.path_to_text(Path(book.path).absolute()), "language": book.metadata.language or "",
                "sentence_count": str(len(sentences)), "content_id": content_identity(book),
                "file_fingerprint": book.fingerprint}
        if self.meta("sentences_signature") == signature:
            current = self._meta_values(list(meta))
            changed = {k: v for k, v in meta.items() if current.get(k) != v}
            if changed:
                self._set_meta(changed)
            return False
        chapters, first = [], 0
        for chapter in book.chapters:
            chapters.append({"idx": chapter.index, "title": chapter.title, "first_ord": first})
            first += len(chapter.sentences)
        rows = [{"id": s.id, "ord": i, "chapter_index": s.chapter_index, "idx": s.index,
                 "paragraph_index": s.paragraph_index, "text": s.text} for i, s in enumerate(sentences)]
        meta["sentences_signature"] = signature
        if self.book_id is None:
            meta["book_id"] = book.fingerprint
        self._title_cache = None
        with self._conns.write(f"store the sentences of {book.title!r}") as db:
            db.execute("DELETE FROM sentences")
            db.execute("DELETE FROM chapters")
            db.table("chapters").insert_all(chapters, batch_size=500)
            db.table("sentences").insert_all(rows, batch_size=500)
            db.table("meta").upsert_all([{"key": k, "value": v} for k, v in meta.items()], pk="key")
        return True

    def sentence_count(self) -> int:
        with translated(f"read {self.path.name}", self.path):
            return self._conns.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]
