"""Whitespace and invisible-character clean-up shared by the EPUB and TXT paths."""

from __future__ import annotations

import re

# Soft hyphens, zero-width spaces/joiners, BOMs, word joiners are invisible and never spoken; control
# characters other than whitespace are garbage. One C-level translate pass handles both.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_CONTROLS = "".join(map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
_TABLE = {**{ord(c): None for c in _INVISIBLE}, **{ord(c): " " for c in _CONTROLS}}
_ODD_ASCII_SPACE = ("  ", "\t", "\n", "\r", "\x0b", "\x0c")
# CJK ideographs, kana, hangul and full-width punctuation: no spaces between them in running text.
CJK_CHARS = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{CJK_CHARS}]) (?=[{CJK_CHARS}])")
_CJK_ANY = re.compile(f"[{CJK_CHARS}]")
_SPACE_BEFORE_MARK = re.compile(r" +(?=[,.](?:\s|$))")
# Transcribers' page markers such as "[Pg 12]" or "[Page 12]" in Gutenberg texts.
_PAGE_MARK = re.compile(r"\[\s*(?:Pg|Page|p\.)\s*[0-9ivxlcdm]+\s*\]", re.IGNORECASE)


def clean_inline(text: str) -> str:
    """Collapse whitespace to single spaces, drop invisible and control characters.

    Written with C-level string methods and cheap checks first: it runs over every paragraph, and a
    hostile single-line 20 MB file is one paragraph."""
    text = text.translate(_TABLE)
    if "[" in text:
        text = _PAGE_MARK.sub(" ", text)
    plain = text.isascii()
    if not plain or any(odd in text for odd in _ODD_ASCII_SPACE):
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
    if not text:
        return False
    sample = text[:400]
    cjk = len(_CJK_ANY.findall(sample))
    return cjk * 3 > len(sample)
