"""Paragraph -> speakable sentences.

Boundaries come from sentencex (Wikimedia's rule-based segmenter, ~300 languages, abbreviation lists per
language, a compiled core that does ~30 MB/s). On top of it, small fix-ups for cases it misses, then
length bounds for the TTS model: too-long sentences are cut at clause boundaries, tiny fragments merged.
See docs/books.md for why sentencex over pysbd, blingfire and ICU.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

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
    "en": frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "jr.", "sr.", "vs.", "e.g.", "i.e.", "cf.", "no.",
                      "mt."}),
    "fr": frozenset({"m.", "mm.", "mme.", "mlle.", "dr.", "me.", "st.", "ste.", "p.", "cf.", "pr."}),
    "de": frozenset({"dr.", "hr.", "fr.", "nr.", "z.", "b.", "d.h.", "u.a.", "bzw.", "ca.", "st.", "prof."}),
    "es": frozenset({"sr.", "sra.", "srta.", "dr.", "dra.", "d.", "dña.", "p.", "ud.", "uds.", "prof."}),
    "pt": frozenset({"sr.", "sra.", "srta.", "dr.", "dra.", "d.", "prof.", "v.", "exmo.", "exma."}),
    "it": frozenset({"sig.", "sigg.", "sig.ra.", "dott.", "prof.", "avv.", "ing.", "s.", "dr."}),
    "ru": frozenset({"т.", "е.", "г.", "гг.", "т.е.", "т.к.", "т.д.", "т.п.", "др.", "пр.", "им.", "ул.", "см."}),
}
_INITIAL = re.compile(r"\(?[A-ZА-Я]\.")  # a lone initial such as "J." or "Г."
# Closing quotes/brackets that a segmenter sometimes leaves at the start of the next sentence.
_CLOSER_CHARS = "”’」』）)]】》〉»\"'"
_LEADING_CLOSERS = re.compile(r"^([”’」』）)\]】》〉»\"']+?)(?=[^\"']|$)\s*")
# Japanese quotative particles after a closing bracket: 「…。」と彼は言った is one sentence.
_JA_QUOTE_TAIL = re.compile(r"^(?:と|って|とか|など)")
# Clause boundaries where a long sentence may be cut, ranked (1 is best): sentence ends inside quotes
# (the segmenter keeps a quoted speech whole), then ; : then dashes, commas, closing brackets. A plain
# character class keeps the scan fast (an alternation of groups is ~15x slower on a 20 MB line); the
# look-behind skips marks right after a space or an opening quote ('"—but', ' , ').
_CLAUSE_RANK = {
    **dict.fromkeys("!?！？。…", 1),
    **dict.fromkeys(";:；：", 2),
    **dict.fromkeys("—–", 3),
    **dict.fromkeys(",，、", 4),
    **dict.fromkeys(")]）」』”»", 5),
}
_CLAUSE_BREAK = re.compile(r"(?<![\s\"“‘'(\[«„])[!?！？。…;:；：—–,，、)\]）」』”»]")
_TRAILING_CLOSERS = frozenset("\"'”’)]）」』»")
QUOTE_SPLIT_CHARS = 160  # units longer than this have the sentences inside their quoted speech split off
_SPEECH_BREAK = re.compile(r"[!?]+[\"”’»)]*(?=\s+[\"“‘«(]?[A-ZÀ-ÞА-Я])")
# "At least n word characters" as one search that stops at the n-th (\w covers letters, digits and CJK).
_ENOUGH_WORD_CHARS = {
    n: re.compile(rf"\w(?:\W*\w){{{n - 1}}}") for n in (MIN_SENTENCE_WORD_CHARS, MIN_SENTENCE_WORD_CHARS_CJK)
}
_CJK_CHAR = re.compile(f"[{CJK_CHARS}]")


def split_sentences(paragraph: str, lang: str | None) -> list[str]:
    """Split one paragraph (already whitespace-normalised) into TTS-sized sentences."""
    paragraph = paragraph.strip()
    if not paragraph:
        return []
    code = _language_code(lang)
    parts = [p for p in map(str.strip, _sentencex_segment(code, paragraph)) if p]
    if len(parts) > 1:
        parts = _fix_boundaries(parts, code)
    cjk = is_cjk_heavy(paragraph)
    limit = MAX_SENTENCE_CHARS_CJK if cjk else MAX_SENTENCE_CHARS
    bounded: list[str] = []
    for part in parts:
        if len(part) > QUOTE_SPLIT_CHARS and not cjk:
            for piece in _split_quoted_speech(part):
                bounded.extend(split_long(piece, limit) if len(piece) > limit else (piece,))
        elif len(part) > limit:
            bounded.extend(split_long(part, limit))
        else:
            bounded.append(part)  # the common case: a sentence that needs nothing
    return _merge_tiny(bounded, limit, cjk)


@lru_cache(maxsize=64)
def _language_code(lang: str | None) -> str:
    return (lang or "en").split("-")[0].lower()


def _split_quoted_speech(part: str) -> list[str]:
    """sentencex keeps quoted speech whole ("Well!" thought Alice, "after such a fall ... home! Why, ...").
    In a long unit, cut after ! and ? that are followed by a capital: the sentences inside the quote.
    Periods are left alone there, as they may end an abbreviation."""
    if "!" not in part and "?" not in part:
        return [part]
    # The mark must follow a word ("bats?" not " ?!"); checked here, as a look-behind slows the scan.
    cuts = [m.end() for m in _SPEECH_BREAK.finditer(part) if m.start() > 0 and part[m.start() - 1].isalnum()]
    if not cuts:
        return [part]
    pieces, start = [], 0
    for cut in cuts:
        pieces.append(part[start:cut].strip())
        start = cut
    pieces.append(part[start:].strip())
    return [p for p in pieces if p]


def _fix_boundaries(parts: list[str], code: str) -> list[str]:
    abbreviations = _EXTRA_ABBREVIATIONS.get(code, frozenset())
    japanese = code == "ja"
    out: list[str] = []
    for part in parts:
        if out:
            closers = _LEADING_CLOSERS.match(part) if part[0] in _CLOSER_CHARS else None
            if closers is not None and _closes_previous(out[-1], part[0]):
                # Give a stray closing quote back to the sentence it closes.
                out[-1] += closers.group(1)
                part = part[closers.end() :]
                if not part:
                    continue
            previous = out[-1]
            # Cheap tests first: this runs once per sentence of the book.
            if (previous[-1] == "." and _ends_in_abbreviation(previous, part, abbreviations)) or (
                japanese and previous[-1] in "」』" and _JA_QUOTE_TAIL.match(part)
            ):
                out[-1] = _join(previous, part)
                continue
        out.append(part)
    return out


def _closes_previous(previous: str, quote: str) -> bool:
    # A straight quote may open the next sentence as well as close this one: it closes only if this
    # sentence has an odd number of them.
    return quote not in "\"'" or previous.count(quote) % 2 == 1


def _ends_in_abbreviation(previous: str, part: str, abbreviations: frozenset[str]) -> bool:
    token = previous[previous.rfind(" ") + 1 :]
    if len(token) > 8:
        return False
    if token.lower() in abbreviations:
        return True
    # "J. R. R. Tolkien": an initial before a capitalised word is not a sentence end.
    return len(token) <= 3 and part[:1].isupper() and bool(_INITIAL.fullmatch(token))


def _join(a: str, b: str) -> str:
    if _CJK_CHAR.match(b[:1] or " ") and _CJK_CHAR.match(a[-1:] or " "):
        return a + b
    if a.endswith(("」", "』")) and _CJK_CHAR.match(b[:1] or " "):
        return a + b
    return f"{a} {b}"


def split_long(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at clause boundaries where possible,
    else at spaces, and only as a last resort mid-word (text without spaces, e.g. CJK or garbage)."""
    if len(text) <= limit:
        return [text]
    # All clause boundaries in one pass: (end position, rank); rank 1 is the best place to cut.
    breaks = [(m.end(), _CLAUSE_RANK[m.group()]) for m in _CLAUSE_BREAK.finditer(text)]
    positions = [b[0] for b in breaks]
    pieces: list[str] = []
    start = 0
    n = len(text)
    floor = limit // 3  # never leave a piece shorter than a third of the limit if we can help it
    while n - start > limit:
        high = start + limit
        cut = _best_cut(text, breaks, positions, start + floor, high)
        # Keep a closing quote or bracket with the clause it closes: 'think—"' not '" (for, you see'.
        while (cut < high and cut < n and text[cut] in _TRAILING_CLOSERS
               and (cut + 1 == n or not text[cut + 1].isalnum())):
            cut += 1
        piece = text[start:cut].strip()
        if piece:
            pieces.append(piece)
        start = cut
        while start < n and text[start].isspace():
            start += 1
    rest = text[start:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _best_cut(text: str, breaks: list[tuple[int, int]], positions: list[int], low: int, high: int) -> int:
    """Where to end a piece within (low, high]: the latest best-ranked clause mark, else the last space."""
    best_rank, best = 99, -1
    for i in range(bisect_right(positions, low), bisect_right(positions, high)):
        position, rank = breaks[i]
        if rank <= best_rank:
            best_rank, best = rank, position
    if best > 0:
        return best
    space = text.rfind(" ", low, high + 1)
    return space if space > 0 else high


def _is_tiny(text: str, minimum: int) -> bool:
    if len(text) > 40:
        return False  # long enough to voice whatever it holds; skips the count on the common case
    return _ENOUGH_WORD_CHARS[minimum].search(text) is None


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
        if len(part) <= 40 and _is_tiny(part, minimum):
            carry = part
            continue
        out.append(part)
    if carry:
        if out and len(out[-1]) + len(carry) + 1 <= limit:
            out[-1] = _join(out[-1], carry)
        else:
            out.append(carry)
    return out
