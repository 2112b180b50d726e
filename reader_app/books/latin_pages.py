"""Which Latin single-byte code page a text was saved in, judged by the words it then spells.

charset-normalizer ranks code pages by how orderly the decoded text looks, and between the Western, Central
European and Baltic pages that is often a tie: French cp1252 decoded as cp1257 reads "Hélčne", "garēon",
"tźte" and looks just as orderly. Here every candidate decoding is scored by its non-ASCII letters: the share
one language's alphabet accounts for (the book's declared or detected language a little ahead), less
letters no such language uses alongside them, control characters and symbols inside words. The page that
spells a real language wins; ties go to the page that language's files are usually saved in.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter

# The non-ASCII letters of each language written in Latin script (lower case; loanword accents included
# where they are common, as é in German or English).
_ALPHABETS: dict[str, str] = {
    "fr": "àâæçéèêëîïôœùûüÿ",
    "de": "äöüßé",
    "es": "áéíóúüñ",
    "it": "àèéìíîòóùú",
    "pt": "áâãàçéêíóôõúü",
    "en": "éèêëïôæœçñàâüö",
    "ca": "àçèéíïòóúü",
    "nl": "áéíóúàèëïöüç",
    "sv": "åäöé",
    "da": "æøåé",
    "no": "æøåéèóô",
    "fi": "äöåšž",
    "is": "áðéíóúýþæö",
    "et": "äöüõšž",
    "lt": "ąčęėįšųūž",
    "lv": "āčēģīķļņšūž",
    "pl": "ąćęłńóśźż",
    "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž",
    "sl": "čšž",
    "hr": "čćđšž",
    "hu": "áéíóöőúüű",
    "ro": "ăâîșşțţ",
    "tr": "çğıöşüâî",
    "sq": "ëç",
}
_ALPHABET_SETS = {lang: frozenset(letters) for lang, letters in _ALPHABETS.items()}
# The code page a language's legacy files are usually in: it wins a tie (cp1252 for the rest).
_HOME_PAGE = {
    "lt": "cp1257", "lv": "cp1257", "et": "cp1257",
    "pl": "cp1250", "cs": "cp1250", "sk": "cp1250", "sl": "cp1250", "hr": "cp1250", "hu": "cp1250", "ro": "cp1250",
    "tr": "cp1254",
}
CANDIDATES = ("cp1252", "iso8859-15", "cp1250", "iso8859-2", "cp1257", "iso8859-13", "iso8859-4", "cp1254",
              "mac-roman", "cp850")
# Pages charset-normalizer may answer that hold Latin text: its answer is re-judged only for these.
LATIN_PAGES = frozenset(CANDIDATES) | {
    "iso8859-1", "iso8859-3", "iso8859-9", "iso8859-10", "iso8859-14", "iso8859-16", "cp1258", "mac-latin2",
    "cp437", "cp775", "cp852", "cp857", "cp858", "cp860", "cp861", "cp863", "cp865", "hp-roman8", "mac-iceland",
    "mac-turkish", "mac-croatian", "mac-romanian",
}
HINT_BONUS = 0.05  # the book's own language is preferred between two equally good spellings
MAX_WORDS = 4000  # distinct words judged, the most frequent: plenty of evidence, bounded time
_WORD = re.compile(rb"[A-Za-z\x80-\xff]*[\x80-\xff][A-Za-z\x80-\xff]*")
_ASCII_WORD = re.compile(rb"(?<![A-Za-z\x80-\xff])[A-Za-z]{2,}(?![A-Za-z\x80-\xff])")
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Sm", "Sc", "Sk", "So", "No"})
# Punctuation cp1252 text is full of: it spells as well as a letter does (mac-roman reads “Don’t” as ìDonít).
_COMMON_PUNCTUATION = frozenset("’‘“”„«»–—…¡¿°")


def page_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def is_latin_page(encoding: str) -> bool:
    return page_name(encoding) in LATIN_PAGES


def ascii_words(sample: bytes, limit: int = 20_000) -> str:
    """The words made of ASCII letters only: they read the same in every candidate page, so the language
    can be told from them before the page is known."""
    words = _ASCII_WORD.findall(sample[: limit * 4])
    return b" ".join(words).decode("ascii")[:limit]


def best_latin_page(sample: bytes, first_guess: str, hint: str | None = None) -> str:
    """The candidate page (charset-normalizer's ``first_guess`` among them) whose decoding of ``sample``
    spells a language best; ``hint``: the book's language (ISO 639-1), when known."""
    words = Counter(_WORD.findall(sample)).most_common(MAX_WORDS)
    if not words:
        return first_guess
    first = page_name(first_guess)
    scored: list[tuple[float, str, str | None]] = []
    for page in dict.fromkeys((first, *CANDIDATES)):
        result = _score(words, page, hint)
        if result is not None:
            scored.append((result[0], page, result[1]))
    if not scored:
        return first_guess
    top = max(score for score, _, _ in scored)
    tied = [(page, lang) for score, page, lang in scored if score >= top - 1e-9]
    for page, lang in tied:
        if page == _HOME_PAGE.get(lang or "", "cp1252"):
            return page
    pages = [page for page, _ in tied]
    return first if first in pages else pages[0]


def _score(words: list[tuple[bytes, int]], page: str, hint: str | None) -> tuple[float, str | None] | None:
    """(score, the language that explains the letters best), or None when the page cannot decode them."""
    letters: Counter[str] = Counter()
    bad = 0
    punctuation = 0
    total = 0
    for word, count in words:
        try:
            text = word.decode(page)
        except UnicodeDecodeError:
            return None
        last = len(text) - 1
        for i, char in enumerate(text):
            if char < "\x80":
                continue
            total += count
            if char in _COMMON_PUNCTUATION:
                punctuation += count
            elif char.isalpha():
                if _case_break(text, i):
                    bad += count  # "ìDonít": a lower-case letter glued to a capital inside a word
                else:
                    letters[char.lower()[0]] += count
            elif unicodedata.category(char) in _BAD_CATEGORIES and (
                    (i > 0 and text[i - 1].isalpha()) or (i < last and text[i + 1].isalpha())):
                bad += count  # "s½ur", "l\x92homme": a symbol or a control where a letter belongs
    if not total:
        return None
    letter_total = sum(letters.values())
    if not letter_total:
        return (punctuation - 3 * bad) / total, None
    best: tuple[float, str | None] = (-3.0 * (letter_total + bad) / total, None)
    for lang, alphabet in _ALPHABET_SETS.items():
        covered = punctuation + sum(n for char, n in letters.items() if char in alphabet or char < "\x80")
        unexplained = letter_total + punctuation - covered
        score = (covered - 2 * unexplained - 3 * bad) / total + (HINT_BONUS if lang == hint else 0.0)
        if score > best[0]:
            best = (score, lang)
    return best


def _case_break(text: str, i: int) -> bool:
    char = text[i]
    if char.islower():
        return i + 1 < len(text) and text[i + 1].isupper()
    return char.isupper() and i > 0 and text[i - 1].islower()
