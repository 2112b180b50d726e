"""Paragraph -> speakable sentences.

Boundaries come from sentencex (Wikimedia's rule-based segmenter, ~300 languages, abbreviation lists per
language, a compiled core that does ~30 MB/s). On top of it, small fix-ups for cases it misses, then
length bounds for the TTS model: too-long sentences are cut at clause boundaries, tiny fragments merged.
See docs/books.md for why sentencex over pysbd, blingfire and ICU.
"""

from __future__ import annotations

import re

from sentencex import segment as _sentencex_segment

from .limits import (
    MAX_SENTENCE_CHARS,
    MAX_SENTENCE_CHARS_CJK,
    MIN_SENTENCE_WORD_CHARS,
    MIN_SENTENCE_WORD_CHARS_CJK,
)
from .textnorm import CJK_CHARS, is_cjk_heavy

# Abbreviations that sentencex splits after in some languages (found on our test sentences); a segment
# ending in one of these is joined with the next one. Lower-case, with the final dot.
_EXTRA_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "jr.", "sr.", "vs.", "e.g.", "i.e.", "cf.", "no.", "mt."}),
    "fr": frozenset({"m.", "mm.", "mme.", "mlle.", "dr.", "me.", "st.", "ste.", "p.", "cf.", "pr."}),
    "de": frozenset({"dr.", "hr.", "fr.", "nr.", "z.", "b.", "d.h.", "u.a.", "bzw.", "ca.", "st.", "prof."}),
    "es": frozenset({"sr.", "sra.", "srta.", "dr.", "dra.", "d.", "dña.", "p.", "ud.", "uds.", "prof."}),
    "pt": frozenset({"sr.", "sra.", "srta.", "dr.", "dra.", "d.", "prof.", "v.", "exmo.", "exma."}),
    "it": frozenset({"sig.", "sigg.", "sig.ra.", "dott.", "prof.", "avv.", "ing.", "s.", "dr."}),
    "ru": frozenset({"т.", "е.", "г.", "гг.", "т.е.", "т.к.", "т.д.", "т.п.", "др.", "пр.", "им.", "ул.", "см."}),
}
_LAST_TOKEN = re.compile(r"(\S+)\s*$")
_INITIAL = re.compile(r"(?:^|\s)\(?[A-ZА-Я]\.$")  # a lone initial such as "J." or "Г."
# Closing quotes/brackets that a segmenter sometimes leaves at the start of the next sentence.
_LEADING_CLOSERS = re.compile(r"^([”’」』）)\]】》〉»\"']+)\s*")
# Japanese quotative particles after a closing bracket: 「…。」と彼は言った is one sentence.
_JA_QUOTE_TAIL = re.compile(r"^(?:と|って|とか|など)")
# Clause boundaries, best first: where a long sentence may be cut without hurting prosody much.
_CLAUSE_BREAKS = (
    re.compile(r"[;:；：]\s*"),
    re.compile(r"[—–]\s*|\s-\s"),
    re.compile(r"[,，、]\s*"),
    re.compile(r"[)\]）」』”»]\s*"),
)
_SPACE = re.compile(r"\s+")
_WORD_CHAR = re.compile(r"\w")
_CJK_CHAR = re.compile(f"[{CJK_CHARS}]")


def split_sentences(paragraph: str, lang: str | None) -> list[str]:
    """Split one paragraph (already whitespace-normalised) into TTS-sized sentences."""
    paragraph = paragraph.strip()
    if not paragraph:
        return []
    code = (lang or "en").split("-")[0].lower()
    parts = [p.strip() for p in _sentencex_segment(code, paragraph)]
    parts = [p for p in parts if p]
    parts = _fix_boundaries(parts, code)
    cjk = is_cjk_heavy(paragraph)
    limit = MAX_SENTENCE_CHARS_CJK if cjk else MAX_SENTENCE_CHARS
    bounded: list[str] = []
    for part in parts:
        bounded.extend(split_long(part, limit) if len(part) > limit else (part,))
    return _merge_tiny(bounded, limit, cjk)


def _fix_boundaries(parts: list[str], code: str) -> list[str]:
    abbreviations = _EXTRA_ABBREVIATIONS.get(code, frozenset())
    out: list[str] = []
    for part in parts:
        if out:
            closers = _LEADING_CLOSERS.match(part)
            if closers and not part[closers.end() :].startswith(("'", '"')):
                # Give a stray closing quote back to the sentence it closes.
                out[-1] += closers.group(1)
                part = part[closers.end() :]
                if not part:
                    continue
            if _should_join(out[-1], part, abbreviations, code):
                out[-1] = _join(out[-1], part)
                continue
        out.append(part)
    return out


def _should_join(previous: str, part: str, abbreviations: frozenset[str], code: str) -> bool:
    if code == "ja" and previous.endswith(("」", "』")) and _JA_QUOTE_TAIL.match(part):
        return True
    token = _LAST_TOKEN.search(previous)
    if token and token.group(1).lower() in abbreviations:
        return True
    # "J. R. R. Tolkien": an initial before a capitalised word is not a sentence end.
    return bool(_INITIAL.search(previous)) and part[:1].isupper()


def _join(a: str, b: str) -> str:
    if _CJK_CHAR.match(b[:1] or " ") and _CJK_CHAR.match(a[-1:] or " "):
        return a + b
    if a.endswith(("」", "』")) and _CJK_CHAR.match(b[:1] or " "):
        return a + b
    return f"{a} {b}"


def split_long(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at clause boundaries where possible,
    else at spaces, and only as a last resort mid-word (text without spaces, e.g. CJK or garbage)."""
    pieces: list[str] = []
    start = 0
    n = len(text)
    while n - start > limit:
        window = text[start : start + limit + 1]
        cut = _best_cut(window, limit)
        piece = text[start : start + cut].strip()
        if piece:
            pieces.append(piece)
        start += cut
        while start < n and text[start].isspace():
            start += 1
    rest = text[start:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _best_cut(window: str, limit: int) -> int:
    """Index to cut ``window`` at: after the last clause mark in its second half, else the last space."""
    floor = limit // 3  # never leave a piece shorter than a third of the limit if we can help it
    for pattern in _CLAUSE_BREAKS:
        best = -1
        for match in pattern.finditer(window, floor):
            if match.end() <= limit:
                best = match.end()
        if best > floor:
            return best
    space = window.rfind(" ", floor, limit + 1)
    if space > 0:
        return space
    return limit


def _word_chars(text: str) -> int:
    return len(_WORD_CHAR.findall(text))  # \w covers letters, digits and CJK characters


def _merge_tiny(parts: list[str], limit: int, cjk: bool) -> list[str]:
    """Join fragments too small to voice well ("No.", "M.", a lone "…") with a neighbour."""
    if len(parts) < 2:
        return parts
    minimum = MIN_SENTENCE_WORD_CHARS_CJK if cjk else MIN_SENTENCE_WORD_CHARS
    out: list[str] = []
    carry = ""
    for part in parts:
        if carry:
            joined = _join(carry, part)
            if len(joined) <= limit:
                part = joined
            else:
                out.append(carry)
            carry = ""
        if _word_chars(part) < minimum:
            carry = part
            continue
        out.append(part)
    if carry:
        if out and len(out[-1]) + len(carry) + 1 <= limit:
            out[-1] = _join(out[-1], carry)
        else:
            out.append(carry)
    return out
