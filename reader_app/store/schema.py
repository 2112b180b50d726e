"""The tables of the library database and of a book's cache file, as migration steps (oldest first).

Never edit a released step: add a new one. Step i takes a database from version i to i+1.
"""

from __future__ import annotations

import sqlite_utils

# --- library.db ---------------------------------------------------------------------------------------------


def _library_v1(db: sqlite_utils.Database) -> None:
    """The first layout: books and reading positions."""
    db.table("books").create({"id": str, "title": str, "authors": str, "path": str, "format": str, "cover": bytes,
                        "added_at": float, "opened_at": float}, pk="id", not_null={"title", "path", "added_at"})
    db.table("positions").create({"book_id": str, "sentence_id": str, "offset_s": float, "updated_at": float},
                           pk="book_id", foreign_keys=[("book_id", "books", "id")], not_null={"sentence_id"})


def _library_v2(db: sqlite_utils.Database) -> None:
    """Per-book settings (voice, speed), app settings (cache limits), the voice index, richer book metadata."""
    books = db.table("books")
    for name, kind in (("language", str), ("tts_language", str), ("cover_media_type", str),
                       ("sentence_count", int), ("parser_version", int)):
        books.add_column(name, kind)
    db.execute("UPDATE books SET tts_language = 'auto' WHERE tts_language IS NULL")
    db.execute("UPDATE books SET sentence_count = 0 WHERE sentence_count IS NULL")
    db.execute("UPDATE books SET parser_version = 0 WHERE parser_version IS NULL")
    db.table("book_settings").create({"book_id": str, "key": str, "value": str}, pk=("book_id", "key"),
                               foreign_keys=[("book_id", "books", "id")])
    db.table("settings").create({"key": str, "value": str}, pk="key")
    db.table("voices").create({"name": str, "path": str, "kind": str, "created_at": float}, pk="name",
                        not_null={"path", "kind"})
    db.table("books").create_index(["opened_at"], if_not_exists=True)


def _library_v3(db: sqlite_utils.Database) -> None:
    """Drop the voice index: the voice library (reader_app/voices) keeps its own folders and never used it."""
    db.execute("DROP TABLE IF EXISTS voices")


def _library_v4(db: sqlite_utils.Database) -> None:
    """A book's content identity (its sentences, not its file's bytes) and every file fingerprint seen for it.

    A metadata editor rewrites the file (a new fingerprint) without changing a sentence: the new fingerprint is
    recorded against the book it matches by content, keeping its id, position, settings and cache file."""
    db.table("books").add_column("content_id", str)
    db.table("books").create_index(["content_id"], if_not_exists=True)
    db.table("book_files").create({"fingerprint": str, "book_id": str}, pk="fingerprint",
                                  foreign_keys=[("book_id", "books", "id")], not_null={"book_id"})
    db.table("book_files").create_index(["book_id"], if_not_exists=True)
    db.execute("INSERT OR IGNORE INTO book_files (fingerprint, book_id) SELECT id, id FROM books")


def _library_v5(db: sqlite_utils.Database) -> None:
    """Bookmarks (a sentence and a note) and a history of recent positions the reader jumped away from.

    Both keep the sentence's stable id beside its index, so a re-parse that shifts indices still finds it."""
    db.table("bookmarks").create({"id": int, "book_id": str, "sentence_index": int, "sentence_id": str,
                                  "note": str, "created_at": float}, pk="id",
                                 foreign_keys=[("book_id", "books", "id")],
                                 not_null={"book_id", "sentence_index", "created_at"})
    db.table("bookmarks").create_index(["book_id", "sentence_index"])
    db.table("history").create({"id": int, "book_id": str, "sentence_index": int, "sentence_id": str,
                                "at": float}, pk="id", foreign_keys=[("book_id", "books", "id")],
                               not_null={"book_id", "sentence_index", "at"})
    db.table("history").create_index(["book_id", "at"])


LIBRARY_STEPS = (_library_v1, _library_v2, _library_v3, _library_v4, _library_v5)

# --- books/<fingerprint>.db ----------------------------------------------------------------------------------


def _cache_v1(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")  # book_id, title, authors, parser_version, ...
    db.table("chapters").create({"idx": int, "title": str, "first_ord": int}, pk="idx")
    # ord: the sentence's place in reading order across the book (eviction protects a window of ords).
    db.table("sentences").create({"id": str, "ord": int, "chapter_index": int, "idx": int, "paragraph_index": int,
                            "text": str}, pk="id", not_null={"ord", "text"})
    db.table("sentences").create_index(["ord"], unique=True)
    db.table("sentences").create_index(["text"])
    # data last: SQLite then reads the small columns of a row without touching the blob's overflow pages.
    db.table("clips").create({"digest": str, "text": str, "voice_id": str, "model_id": str, "codec": str,
                        "sample_rate": int, "n_samples": int, "duration_s": float, "size_bytes": int,
                        "crc32": int, "created_at": float, "last_used_at": float, "data": bytes},
                       pk="digest", not_null={"codec", "sample_rate", "n_samples", "crc32", "data"})
    db.table("clips").create_index(["last_used_at"])
    db.table("clips").create_index(["text"])
    # Which sentence asked for which clip, so the protected window finds clips whose text was rewritten.
    db.table("clip_links").create({"sentence_id": str, "digest": str}, pk=("sentence_id", "digest"),
                            foreign_keys=[("digest", "clips", "digest")])
    db.table("clip_links").create_index(["digest"])


def _cache_v2(db: sqlite_utils.Database) -> None:
    """The narrator's studio, per book (all keyed by stable sentence ids, so a re-parse keeps them):
    takes: the take kept of a regenerated sentence, how many were made, whether the reader marked it bad;
    speakers: who speaks a line (found by rules, set by the reader, or by a chat model) and how sure that is;
    character_voices: the saved voice (by name) that reads a character's lines;
    lexicon: the book's own pronunciation entries (the global ones live in the data folder)."""
    db.table("takes").create({"sentence_id": str, "kept": int, "made": int, "marked_bad": int, "updated_at": float},
                             pk="sentence_id", not_null={"kept", "made", "marked_bad"},
                             defaults={"kept": 0, "made": 1, "marked_bad": 0})
    db.table("speakers").create({"sentence_id": str, "speaker": str, "confidence": float, "source": str},
                                pk="sentence_id", not_null={"source"})
    db.table("speakers").create_index(["speaker"])
    db.table("character_voices").create({"name": str, "voice_name": str}, pk="name", not_null={"voice_name"})
    db.table("lexicon").create({"id": int, "pattern": str, "replacement": str, "regex": int, "match_case": int,
                                "whole_word": int, "language": str, "created_at": float}, pk="id",
                               not_null={"pattern", "replacement", "regex", "match_case", "whole_word"})


CACHE_STEPS = (_cache_v1, _cache_v2)
CACHE_NEW_DB_PRAGMAS = ("auto_vacuum=INCREMENTAL",)  # so evicted space goes back to the disk
