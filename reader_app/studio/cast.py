"""A book's cast: its characters found (rules, or the chat model), their lines and voices, kept in the book's
cache (store/characters.py). What `reader-app characters` and the window's Characters panel both use. Qt-free.

Detection runs once per book and is cached; `refresh` runs it again, and the reader's corrections (source
READER) survive it.
"""

from __future__ import annotations

from dataclasses import dataclass

from reader_app.books.model import Book, Sentence
from reader_app.store.book_cache import BookCache
from reader_app.store.characters import SpeakerLine, SpeakerSource
from reader_app.studio.attribution import attribute
from reader_app.studio.chat import ChatEndpoint, chat_attribute


@dataclass(frozen=True)
class CastMember:
    name: str
    lines: int
    voice: str | None  # the saved voice's name, None: the narrator reads them
    confidence: float  # mean confidence of their lines


def detect(book: Book, cache: BookCache, *, refresh: bool = False, chat: ChatEndpoint | None = None) -> bool:
    """Attribute the book's lines unless the cache has them already (refresh: again). chat: ask that model too
    (its names replace the rules' where it names one). True when detection ran."""
    characters = cache.characters
    if characters.detected() and not refresh and chat is None:
        return False
    result = attribute(book)
    characters.replace_detected(result.lines.values(), SpeakerSource.RULE)
    if chat is not None:
        asked = chat_attribute(book, result, chat)
        merged = {**result.lines, **asked}
        characters.replace_detected(merged.values(), SpeakerSource.CHAT)
    return True


def cast(cache: BookCache) -> list[CastMember]:
    """Every character with lines, most lines first, and every character given a voice."""
    characters = cache.characters
    lines = characters.lines()
    voices = characters.voices()
    totals: dict[str, list[float]] = {}
    for line in lines.values():
        totals.setdefault(line.speaker, []).append(line.confidence)
    members = [CastMember(name, len(conf), voices.get(name), round(sum(conf) / len(conf), 3))
               for name, conf in totals.items()]
    members += [CastMember(name, 0, voice, 0.0) for name, voice in voices.items() if name not in totals]
    return sorted(members, key=lambda m: (-m.lines, m.name.lower()))


def lines_of(book: Book, cache: BookCache, name: str) -> list[tuple[Sentence, SpeakerLine]]:
    """A character's lines in reading order."""
    lines = cache.characters.lines()
    return [(s, lines[s.id]) for s in book.sentences() if s.id in lines and lines[s.id].speaker == name]


def sentence_at(book: Book, spec: str) -> Sentence:
    """'CHAPTER:SENTENCE' (from 1) -> the sentence; ValueError naming what is wrong."""
    try:
        chapter, index = (int(part) for part in spec.split(":"))
    except ValueError:
        raise ValueError(f"a line is CHAPTER:SENTENCE, numbered from 1, e.g. 3:12 (got {spec!r})") from None
    if not 1 <= chapter <= len(book.chapters) or not 1 <= index <= len(book.chapters[chapter - 1].sentences):
        raise ValueError(f"{spec}: the book has {len(book.chapters)} chapters"
                         + (f"; chapter {chapter} has {len(book.chapters[chapter - 1].sentences)} sentences"
                            if 1 <= chapter <= len(book.chapters) else ""))
    return book.chapters[chapter - 1].sentences[index - 1]
