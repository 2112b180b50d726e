"""Raw chapters (title + paragraphs) -> the Chapter/Sentence model, with stable sentence ids."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from .model import Chapter, Sentence
from .segment import split_sentences

_blake2b = hashlib.blake2b
_SPEAKABLE = re.compile(r"[^\W_]")  # a letter or digit, in any script
ID_DIGEST_BYTES = 8  # 16 hex characters: collisions are negligible within one book


@dataclass
class RawChapter:
    """What a format reader produces: a title and the chapter's paragraphs, whitespace-normalised."""

    title: str
    paragraphs: list[str] = field(default_factory=list)

    def has_text(self) -> bool:
        return any(p.strip() for p in self.paragraphs)


def sentence_id(chapter_index: int, text: str, occurrence: int) -> str:
    """Stable identity of a sentence: the same chapter, text and n-th repeat give the same id on every
    parse of the same file, whatever else moved around it inside the chapter."""
    key = f"{chapter_index}\x1f{occurrence}\x1f{text}".encode()
    return _blake2b(key, digest_size=ID_DIGEST_BYTES).hexdigest()


def build_chapters(raw: list[RawChapter], lang: str | None, untitled: str = "Chapter") -> tuple[Chapter, ...]:
    """Segment every paragraph and number everything. Chapters without any text are dropped."""
    chapters: list[Chapter] = []
    for chapter in raw:
        index = len(chapters)
        seen: dict[str, int] = {}
        sentences: list[Sentence] = []
        paragraph_index = 0
        for paragraph in chapter.paragraphs:
            if not _SPEAKABLE.search(paragraph):
                continue  # "* * *" scene breaks, lone dashes or ellipses: nothing to say
            texts = split_sentences(paragraph, lang)
            if not texts:
                continue
            for text in texts:
                occurrence = seen.get(text, 0)
                seen[text] = occurrence + 1
                sentences.append(
                    Sentence(
                        id=sentence_id(index, text, occurrence),
                        text=text,
                        chapter_index=index,
                        index=len(sentences),
                        paragraph_index=paragraph_index,
                    )
                )
            paragraph_index += 1
        if sentences:
            title = chapter.title.strip() or f"{untitled} {index + 1}"
            chapters.append(Chapter(index=index, title=title, sentences=tuple(sentences)))
    return tuple(chapters)
