"""Whitespace and invisible-character clean-up shared by the EPUB and TXT paths."""

from __future__ import annotations

import re

# Soft hyphens, zero-width spaces/joiners, BOMs, word joiners: invisible, never spoken.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"\s+")
# CJK ideographs, kana, hangul and full-width punctuation: no spaces between them in running text.
CJK_CHARS = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{CJK_CHARS}]) (?=[{CJK_CHARS}])")
_CJK_ANY = re.compile(f"[{CJK_CHARS}]")
# Control characters other than whitespace: garbage in a text to be read aloud.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Transcribers' page markers such as "[Pg 12]" or "[Page 12]" in Gutenberg texts.
_PAGE_MARK = re.compile(r"\[\s*(?:Pg|Page|p\.)\s*[0-9ivxlcdm]+\s*\]", re.IGNORECASE)


def clean_inline(text: str) -> str:
    """Collapse whitespace to single spaces, drop invisible and control characters."""
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _PAGE_MARK.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    if " " in text and _CJK_ANY.search(text):
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
