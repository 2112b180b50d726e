"""Whitespace and invisible-character clean-up shared by the EPUB and TXT paths."""

from __future__ import annotations

import re

from .limits import MAX_TITLE_CHARS

# Soft hyphens, zero-width spaces/joiners, BOMs, word joiners are invisible and never spoken; control
# characters other than whitespace are garbage. One C-level translate pass handles both.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_CONTROLS = "".join(map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
_TABLE = {**{ord(c): None for c in _INVISIBLE}, **{ord(c): " " for c in _CONTROLS}}
# CJK ideographs, kana, hangul and full-width punctuation: no spaces between them in running text.
CJK_CHARS = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{CJK_CHARS}]) (?=[{CJK_CHARS}])")
_CJK_ANY = re.compile(f"[{CJK_CHARS}]")
_SPACE_BEFORE_MARK = re.compile(r" +(?=[,.](?:\s|$))")
# Transcribers' page markers such as "[Pg 12]" or "[Page 12]" in Gutenberg texts.
_PAGE_MARK = re.compile(r"\[\s*(?:Pg|Page|p\.)\s*[0-9ivxlcdm]+\s*\]", re.IGNORECASE)
# Leads a paragraph that is a heading: the format readers set it, assemble keeps such a paragraph one unit
# ("Chapter 1. The Beginning" split in two was shown under the title again and spoken as two units).
HEADING_MARK = "\x1e"


def as_heading(text: str) -> str:
    return HEADING_MARK + text if text and not text.startswith(HEADING_MARK) else text


def unmarked(text: str) -> str:
    return text[1:] if text.startswith(HEADING_MARK) else text


def clean_inline(text: str) -> str:
    """Collapse whitespace to single spaces, drop invisible and control characters.

    Written with C-level string methods and cheap checks first: it runs over every paragraph, and a
    hostile single-line 20 MB file is one paragraph."""
    plain = text.isascii()
    if not (plain and text.isprintable()):  # printable ASCII holds nothing to drop (the common case)
        text = text.translate(_TABLE)
    if "[" in text:
        text = _PAGE_MARK.sub(" ", text)
    # After the translation the only ASCII whitespace left besides " " is tab, newline and return.
    if not plain or "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = " ".join(text.split())
    else:
        text = text.strip()
    if " ," in text or " ." in text:
        # A note mark removed from "word <sup>1</sup>, next" leaves "word , next".
        text = _SPACE_BEFORE_MARK.sub("", text)
    if not plain and " " in text and _CJK_ANY.search(text):
        # Line wraps inside Chinese/Japanese text become spaces; they are not word gaps.
        text = _CJK_GAP.sub("", text)
    return text


def is_cjk_heavy(text: str) -> bool:
    """True when CJK characters dominate, so lengths should be bounded in CJK terms."""
    if not text or text.isascii():
        return False
    sample = text[:400]
    cjk = len(_CJK_ANY.findall(sample))
    return cjk * 3 > len(sample)


def cap_title(title: str, limit: int = MAX_TITLE_CHARS) -> str:
    """A title of at most ``limit`` characters: cut at a word where there is one, marked with "…"."""
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if not title[limit - 1].isspace():
        space = cut.rfind(" ")
        if space > limit // 2:
            cut = cut[:space]
    return cut.rstrip(" ,;:—–-") + "…"
