"""The structure of a plain-text book beyond single headings: its contents page (not read), whether a bare
numeral ("IV.") is one of its chapter numbers or a numbered stanza of a song, and which headings open parts.
"""

from __future__ import annotations

import re

from .txt_headings import is_heading

# A contents line ending in its page number: "CHAPTER I. THE BEGINNING ...... 12", "The Storm   37".
_PAGE_REF = re.compile(r"^(?=.*[^\W\d_]).{1,120}?(?:\s*(?:\.\s*){2,}|\s*…+\s*|\s+)(\d{1,4})$")
_CONTENTS_TITLE = re.compile(
    r"^(?:(?:table of )?contents|inhalt(?:sverzeichnis)?|table des mati[èe]res|sommaire|[íi]ndice|sumário"
    r"|содержание|оглавление|目录|目次|차례)\.?$",
    re.IGNORECASE,
)
MAX_CONTENTS_LINE_CHARS = 160  # longer lines are prose; and the pattern is only ever run on short lines
MIN_CONTENTS_LINES = 3
CONTENTS_SHARE = 0.7  # of a block's lines that must be headings or page references
_NUMERAL = re.compile(r"^(\d{1,3}|[IVXLC]{1,8})\.?(?:\s|$)", re.IGNORECASE)
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
MAX_NUMBER_GAP = 3  # "I, II, IV": a chapter number may be skipped by a typo, not by a stanza
VERSE_LINE_CHARS = 55  # a block whose every line is this short is verse (hard-wrapped prose runs ~70)
_PART = re.compile(
    r"^(?:part|book|volume|vol\.|teil|buch|band|partie|livre|tome|parte|libro|tomo|livro|часть|книга|том)\s",
    re.IGNORECASE,
)


def is_contents_title(text: str) -> bool:
    return bool(_CONTENTS_TITLE.match(text.strip()))


def drop_contents(blocks: list[list[str]]) -> list[list[str]]:
    """Without the contents page: blocks of contents lines, runs of one-line blocks ending in page
    numbers, and the "Contents" title before either."""
    drop: set[int] = set()
    i = 0
    while i < len(blocks):
        if _is_contents_block(blocks[i]):
            drop.add(i)
            i += 1
            continue
        j = i
        pages: list[int] = []
        while j < len(blocks) and len(blocks[j]) == 1 and (page := _page_of(blocks[j][0])) is not None:
            if pages and page < pages[-1]:
                break  # numbering starts again: the chapters themselves ("Chapter 1") follow the list
            pages.append(page)
            j += 1
        if j - i >= MIN_CONTENTS_LINES:
            drop.update(range(i, j))
            i = j
        else:
            i += 1
    for index in sorted(drop):
        if index > 0 and index - 1 not in drop and len(blocks[index - 1]) == 1 \
                and is_contents_title(blocks[index - 1][0]):
            drop.add(index - 1)
    return [block for index, block in enumerate(blocks) if index not in drop] if drop else blocks


def _is_contents_block(lines: list[str]) -> bool:
    if len(lines) < MIN_CONTENTS_LINES:
        return False
    body = lines[1:] if is_contents_title(lines[0]) else lines
    pages = [page for page in map(_page_of, body) if page is not None]
    listed = sum(1 for line in body if is_heading(line) or _page_of(line, bare=True) is not None)
    return len(body) >= MIN_CONTENTS_LINES and listed >= CONTENTS_SHARE * len(body) and _mostly_rising(pages)


def _page_of(line: str, bare: bool = False) -> int | None:
    """The page number a contents line ends in; None for other lines, and (unless ``bare``) for a bare
    "Chapter 12"."""
    if len(line) > MAX_CONTENTS_LINE_CHARS or not line[-1:].isdigit():
        return None
    match = _PAGE_REF.match(line)
    if match is None or (not bare and len(line[: match.start(1)].split()) < 2):
        return None
    return int(match.group(1))


def _mostly_rising(pages: list[int]) -> bool:
    """Page numbers in a contents list go up (prose lines that happen to end in numbers do not)."""
    if len(pages) < 2:
        return True
    rising = sum(1 for a, b in zip(pages, pages[1:], strict=False) if b >= a)
    return rising >= 0.8 * (len(pages) - 1)


def numeral_value(line: str) -> int | None:
    """The number of a heading that is only a numeral ("IV.", "12", "III. The Storm"), else None."""
    match = _NUMERAL.match(line)
    if match is None:
        return None
    token = match.group(1).lower()
    if token.isdigit():
        return int(token)
    total = 0
    for char, following in zip(token, token[1:] + " ", strict=True):
        value = _ROMAN[char]
        total += -value if following != " " and _ROMAN[following] > value else value
    return total


def numbers_a_chapter(value: int, last: int, following: list[str] | None) -> bool:
    """A numeral heading is a chapter when it continues the book's numbering (or starts it again, as a new
    part does) and prose follows it; numbered stanzas of a song inside a chapter are verse."""
    if following is None or is_verse(following):
        return False
    return value == 1 or last < value <= last + MAX_NUMBER_GAP


def is_verse(lines: list[str]) -> bool:
    return len(lines) >= 2 and max(len(line) for line in lines) <= VERSE_LINE_CHARS


def is_part_heading(title: str) -> bool:
    """ "PART TWO", "Book III": a division whose chapters may be numbered from one again."""
    return bool(_PART.match(title))
