"""Plain-text books: decode, strip Project Gutenberg boilerplate, find chapters and paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .assemble import RawChapter
from .budget import ParseBudget
from .encoding import decode_text
from .errors import BookError
from .gutenberg import strip_gutenberg, strip_transcriber_marks
from .limits import MAX_TXT_LINES
from .textnorm import as_heading, clean_inline
from .txt_headings import heading_title, is_heading, is_subtitle
from .txt_structure import drop_contents, is_contents_title, is_part_heading, numbers_a_chapter, numeral_value

_BLANK_LINE = re.compile(r"\n[ \t\u3000\u00a0]*\n+")
CHUNK_CHARS = 60_000  # a book with no headings is cut into parts of about this size for navigation
MIN_CHUNKED_CHARS = 100_000  # below this, a heading-less book stays one chapter
# Aozora Bunko markup in Japanese texts: 漢字《かんじ》 ruby readings, ｜ marking where a ruby base starts,
# ［＃…］ editor's notes. The reading would be spoken twice; the notes are not text.
_AOZORA = re.compile(r"《[^》\n]{0,40}》|［＃[^］\n]{0,200}］|｜")


@dataclass
class ParsedText:
    chapters: list[RawChapter]
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None  # raw value from a Gutenberg header, if any
    encoding: str = "utf-8"


def parse_txt(data: bytes, fallback_title: str, budget: ParseBudget | None = None) -> ParsedText:
    budget = budget or ParseBudget()
    text, encoding = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.count("\n")  # counted in C before anything is split: splitting is what costs
    if lines > MAX_TXT_LINES:
        raise BookError(f"This text file has too many lines to be a book ({lines:,}; at most {MAX_TXT_LINES:,}).")
    text, fields = strip_gutenberg(text)
    text = strip_transcriber_marks(text)
    if "《" in text or "［＃" in text:
        text = _AOZORA.sub("", text)
    blocks = _blocks(text)
    del text
    budget.spend_paragraphs(len(blocks), 0)  # the characters are counted once the paragraphs are joined
    title = fields.get("title") or fallback_title
    chapters = _chapters(blocks, title)
    budget.spend_paragraphs(0, sum(len(p) for c in chapters for p in c.paragraphs))
    authors = [a.strip() for a in re.split(r"\s+and\s+|;|&", fields.get("author", "")) if a.strip()]
    return ParsedText(chapters, title, authors, fields.get("language"), encoding)


def _blocks(text: str) -> list[list[str]]:
    """Blocks of non-empty stripped lines. Blank lines separate blocks; a text that never uses blank
    lines (common in CJK web novels) has one paragraph per line."""
    blocks: list[list[str]] = []
    for block in _BLANK_LINE.split(text):
        if "\n" in block:
            lines = [line for line in map(str.strip, block.split("\n")) if line]
            if lines:
                blocks.append(lines)
        elif block := block.strip():
            blocks.append([block])
    line_count = sum(len(b) for b in blocks)
    if line_count > 40 and len(blocks) * 10 < line_count:
        blocks = [[line] for b in blocks for line in b]
    return blocks


def _chapters(blocks: list[list[str]], book_title: str) -> list[RawChapter]:
    blocks = drop_contents(blocks)
    chapters: list[RawChapter] = [RawChapter(book_title)]  # front matter before the first heading
    heading_only: list[bool] = [False]
    part = ""  # the part the chapters are in ("PART TWO"), for chapter numbers that restart
    last_number = 0
    i = 0
    while i < len(blocks):
        lines = blocks[i]
        title = _heading_of(lines)
        number = numeral_value(lines[0]) if title is not None else None
        if number is not None:  # "IV." alone: the book's own numbering, or a numbered stanza of a song
            if numbers_a_chapter(number, last_number, blocks[i + 1] if i + 1 < len(blocks) else None):
                last_number = number
            else:
                title = None
        if title is not None:
            heading = " ".join(lines)
            # "CHAPTER I." then "Down the Rabbit-Hole" on its own: the second line is the chapter's name.
            if len(lines) == 1 and i + 1 < len(blocks) and _bare_heading(lines[0]):
                nxt = blocks[i + 1]
                if len(nxt) == 1 and is_subtitle(nxt[0]) and i + 2 < len(blocks):
                    title = _named(title, nxt[0])
                    heading = f"{heading} {nxt[0]}"
                    i += 1
            if is_part_heading(title):
                part, last_number = title, 0
            chapters.append(RawChapter(title, [as_heading(clean_inline(heading))], "" if part == title else part))
            heading_only.append(True)
        else:
            chapters[-1].paragraphs.append(_join_lines(lines))
            heading_only[-1] = False
        i += 1
    chapters = _fold_heading_only(chapters, heading_only)
    chapters = [c for c in chapters if c.has_text()]
    _name_parts(chapters)
    if len(chapters) == 1:
        return _chunk(chapters[0])
    return chapters


def _heading_of(lines: list[str]) -> str | None:
    if len(lines) == 1 and is_heading(lines[0]):
        return heading_title(lines[0])
    if len(lines) == 2 and is_heading(lines[0]) and is_subtitle(lines[1]):
        return _named(heading_title(lines[0]), lines[1])
    return None


def _named(heading: str, name: str) -> str:
    """ "CHAPTER I." + "THE BEGINNING." -> "CHAPTER I. THE BEGINNING"."""
    name = name.rstrip(".") if not name.endswith("..") else name
    return f"{heading} {name}" if heading.endswith((".", ":")) else f"{heading}: {name}"


def _name_parts(chapters: list[RawChapter]) -> None:
    """Chapter numbers that restart in every part ("PART TWO", "CHAPTER I") would give chapters of one name:
    then every chapter in a part is named with it, "PART TWO — CHAPTER I"."""
    titles = [c.title for c in chapters if c.part]
    if len(set(titles)) == len(titles):
        return
    for chapter in chapters:
        if chapter.part:
            chapter.title = f"{chapter.part} — {chapter.title}"


def _bare_heading(line: str) -> bool:
    """ "CHAPTER I." or "Chapter 12" with no name after the number."""
    return len(line.split()) <= 2 and not line.startswith("#")


def _join_lines(lines: list[str]) -> str:
    return clean_inline(" ".join(lines))


def _fold_heading_only(chapters: list[RawChapter], heading_only: list[bool]) -> list[RawChapter]:
    """A heading with no text under it is not a chapter. Runs of them are a table of contents: fold into
    the chapter before. A single one ("PART ONE" right before "CHAPTER 1") opens the next chapter."""
    out: list[RawChapter] = []
    i = 0
    while i < len(chapters):
        j = i
        while j < len(chapters) and heading_only[j] and i > 0:
            j += 1
        run = j - i
        if run >= 3:  # a contents list (each entry a heading of its own): not read
            if out and out[-1].paragraphs and is_contents_title(out[-1].paragraphs[-1]):
                out[-1].paragraphs.pop()
            i = j
        elif run == 2:
            target = out[-1] if out else RawChapter("Contents")
            for chapter in chapters[i:j]:
                target.paragraphs.extend(chapter.paragraphs)
            if not out:
                out.append(target)
            i = j
        elif run == 1 and j < len(chapters):
            chapters[j].paragraphs[:0] = chapters[i].paragraphs
            i = j
        else:
            out.append(chapters[i])
            i += 1
    return out


def _chunk(chapter: RawChapter) -> list[RawChapter]:
    """Cut a long heading-less book into parts at paragraph boundaries, so it can still be navigated."""
    total = sum(len(p) for p in chapter.paragraphs)
    if total < MIN_CHUNKED_CHARS:
        return [chapter]
    parts: list[RawChapter] = []
    current: list[str] = []
    size = 0
    for paragraph in chapter.paragraphs:
        current.append(paragraph)
        size += len(paragraph)
        if size >= CHUNK_CHARS:
            parts.append(RawChapter(f"Part {len(parts) + 1}", current))
            current, size = [], 0
    if current:
        parts.append(RawChapter(f"Part {len(parts) + 1}", current))
    return parts
