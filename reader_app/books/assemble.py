"""Raw chapters (title + paragraphs) -> the Chapter/Sentence model, with stable sentence ids."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from .budget import ParseBudget
from .limits import MAX_CHAPTERS
from .model import Chapter, Sentence
from .segment import split_sentences
from .textnorm import HEADING_MARK, cap_title

_blake2b = hashlib.blake2b
_SPEAKABLE = re.compile(r"[^\W_]")  # a letter or digit, in any script
MAX_HEADING_UNIT_CHARS = 200  # a heading up to this long is one unit; a longer one is segmented as prose
ID_DIGEST_BYTES = 8  # 16 hex characters: collisions are negligible within one book


@dataclass
class RawChapter:
    """What a format reader produces: a title and the chapter's paragraphs, whitespace-normalised."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    part: str = ""  # TXT: the part heading it falls under ("PART TWO"), when chapter numbers restart per part

    def has_text(self) -> bool:
        return any(p.strip() for p in self.paragraphs)


def sentence_id(chapter_index: int, text: str, occurrence: int) -> str:
    """Stable identity of a sentence: the same chapter, text and n-th repeat give the same id on every
    parse of the same file, whatever else moved around it inside the chapter."""
    key = f"{chapter_index}\x1f{occurrence}\x1f{text}".encode()
    return _blake2b(key, digest_size=ID_DIGEST_BYTES).hexdigest()


def merge_chapters(raw: list[RawChapter], limit: int = MAX_CHAPTERS) -> list[RawChapter]:
    """At most ``limit`` chapters: past it (a heading pattern gone wrong, or a hostile book), neighbours are
    merged in equal groups, each named after its first. Every paragraph is kept."""
    raw = [chapter for chapter in raw if chapter.has_text()]
    if len(raw) <= limit:
        return raw
    group = -(-len(raw) // limit)
    merged: list[RawChapter] = []
    for start in range(0, len(raw), group):
        members = raw[start : start + group]
        merged.append(RawChapter(members[0].title, [p for member in members for p in member.paragraphs]))
    return merged


def build_chapters(raw: list[RawChapter], lang: str | None, budget: ParseBudget | None = None,
                   untitled: str = "Chapter") -> tuple[Chapter, ...]:
    """Segment every paragraph and number everything. Chapters without any text are dropped.
    BookError once the book has more sentences than the budget allows."""
    budget = budget or ParseBudget()
    left = budget.max_sentences - budget.sentences
    speakable = _SPEAKABLE.search
    blake2b = _blake2b
    chapters: list[Chapter] = []
    for chapter in raw:
        # The hot loop of every parse: one pass per sentence, so the id is computed inline (as sentence_id).
        index = len(chapters)
        prefix = f"{index}\x1f"
        seen: dict[str, int] = {}
        sentences: list[Sentence] = []
        append = sentences.append
        count = 0
        paragraph_index = 0
        for paragraph in chapter.paragraphs:
            if not speakable(paragraph):
                continue  # "* * *" scene breaks, lone dashes or ellipses: nothing to say
            if paragraph[0] == HEADING_MARK:
                paragraph = paragraph[1:].strip()
                texts = [paragraph] if len(paragraph) <= MAX_HEADING_UNIT_CHARS else split_sentences(paragraph, lang)
            else:
                texts = split_sentences(paragraph, lang)
            if not texts:
                continue
            for text in texts:
                occurrence = seen.get(text, 0)
                seen[text] = occurrence + 1
                key = f"{prefix}{occurrence}\x1f{text}".encode()
                ident = blake2b(key, digest_size=ID_DIGEST_BYTES).hexdigest()
                append(Sentence(ident, text, index, count, paragraph_index))
                count += 1
            paragraph_index += 1
            if count > left:
                budget.spend_sentences(count)  # raises: past the cap
        if sentences:
            budget.spend_sentences(len(sentences))
            left -= len(sentences)
            title = cap_title(chapter.title.strip()) or f"{untitled} {index + 1}"
            chapters.append(Chapter(index=index, title=title, sentences=tuple(sentences)))
    return tuple(chapters)
