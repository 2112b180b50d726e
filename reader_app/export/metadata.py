"""The tags of an exported audiobook, from the book and the voice that narrates it."""

from __future__ import annotations

from reader_app.books.model import Book
from reader_app.export.tags import BookTags
from reader_app.tts.engine import VoiceKind, VoiceSpec


def narrator_name(voice: VoiceSpec, voice_name: str = "") -> str:
    """What players show as the narrator: the saved voice's name, else the preset speaker, else its kind."""
    if voice_name:
        return voice_name
    if voice.kind == VoiceKind.PRESET and voice.speaker:
        return voice.speaker.replace("_", " ").title()
    return {VoiceKind.DESIGN: "Designed voice", VoiceKind.CLONE: "Cloned voice"}.get(voice.kind, "Qwen3-TTS")


def book_tags(book: Book, voice: VoiceSpec, voice_name: str = "") -> BookTags:
    meta = book.metadata
    return BookTags(title=meta.title, authors=meta.authors, narrator=narrator_name(voice, voice_name),
                    language=meta.language, year=meta.year, cover=meta.cover_image,
                    cover_mime=meta.cover_media_type)
