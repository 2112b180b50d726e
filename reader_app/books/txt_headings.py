"""Recognise chapter headings in plain text, in the common forms of the model's ten languages.

A heading is a short line standing alone (a paragraph of its own); these patterns decide whether such a
line names a chapter. Being strict matters more than catching every style: a false heading splits a
chapter in the middle of a scene.
"""

from __future__ import annotations

import re

MAX_HEADING_CHARS = 80

# Words that open a numbered division: "Chapter 12", "Kapitel 3", "Глава 5", "Part One".
_DIVISIONS = (
    r"chapter|chap\.|book|part|volume|vol\.|act|scene|canto|letter|section"  # en
    r"|kapitel|teil|buch|abschnitt|band"  # de
    r"|chapitre|partie|livre|tome|lettre"  # fr
    r"|cap[íi]tulo|parte|libro|tomo|carta|livro"  # es, pt
    r"|capitolo"  # it
    r"|глава|часть|книга|том|письмо"  # ru
)
# Words that name a division on their own: "Prologue", "Epilogue: After the War".
_STANDALONE = (
    r"prologue|epilogue|preface|foreword|introduction|afterword|interlude|conclusion|appendix"
    r"|prolog|epilog|vorwort|nachwort|einleitung|einführung"
    r"|préface|épilogue|avant-propos|introduction|postface"
    r"|pr[óo]logo|ep[íi]logo|prefacio|pref[áa]cio|introducci[óo]n|introdu[çc][ãa]o|introduzione|prefazione"
    r"|пролог|эпилог|предисловие|послесловие|вступление"
)
_ROMAN = r"[ivxlcdm]+"
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    r"|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred"
    r"|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|last|final"
    r"|eins|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|erstes|zweites|drittes|erster|zweiter|dritter"
    r"|premier|première|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|un|une|deuxième|troisième"
    r"|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|primero|primera|segundo|segunda|tercero"
    r"|um|dois|três|quatro|primeiro|due|tre|quattro|primo|prima|secondo|terzo"
    r"|первая|вторая|третья|первый|второй|третий|один|два|три"
)
_NUMBER = rf"(?:\d{{1,4}}|{_ROMAN}|(?:the\s+)?(?:{_NUMBER_WORDS})(?:[-\s](?:{_NUMBER_WORDS}))*)"
_TAIL = r"(?:\s*[.:\-—–]\s*.{0,70}|\s+[^\s.!?].{0,70})?"

_PATTERNS = (
    # Chapter 12 / CHAPTER XII. / Part One: The Return / Kapitel 3 / Глава 5. Встреча
    re.compile(rf"^(?:{_DIVISIONS})\s+{_NUMBER}\.?{_TAIL}$", re.IGNORECASE),
    # "12. Kapitel" / "3. Teil" (German puts the ordinal first)
    re.compile(r"^\d{1,3}\.\s+(?:kapitel|teil|buch)\b.{0,60}$", re.IGNORECASE),
    # Prologue / EPILOGUE: Home
    re.compile(rf"^(?:{_STANDALONE})(?:\s*[.:\-—–]\s*.{{0,70}})?$", re.IGNORECASE),
    # 第十二章 / 第12回 / 第三卷 第二节 / 第5話  (Chinese, Japanese)
    re.compile(r"^第\s*[0-9０-９一二三四五六七八九十百千万零〇两]+\s*[章回节節卷部篇集話话幕]"),
    re.compile(r"^(?:序章|序言|序|楔子|引子|尾声|尾聲|后记|後記|番外|终章|終章|前言|プロローグ|エピローグ|あとがき|まえがき)(?:\s.{0,40})?$"),
    # 제5장 / 제 12 화 / 프롤로그 (Korean)
    re.compile(r"^제\s*\d{1,4}\s*[장화부권편]"),
    re.compile(r"^(?:프롤로그|에필로그|서문|서장|종장|후기)(?:\s.{0,40})?$"),
    # Markdown: "# Title", "## Chapter 2"
    re.compile(r"^#{1,3}\s+\S.{0,78}$"),
    # A number or Roman numeral alone: "12", "XII.", "IV"
    re.compile(rf"^(?:\d{{1,3}}|{_ROMAN})\.?$", re.IGNORECASE),
    # "I. The Beginning", "12. A New Day": short, title-like (no sentence punctuation inside).
    re.compile(r"^(?:\d{1,3}|[IVXLC]+)\.\s+[^\W\d_][^.!?;]{0,50}$"),
)
# All of them as one alternation: one C-level match per candidate line instead of ten (this runs on every
# one-line paragraph of a book).
_ANY_PATTERN = re.compile(
    "|".join(f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})" for p in _PATTERNS)
)
_LONE_ROMAN_WORDS = {"i", "mix", "mid", "dim", "civil", "vivid", "liv", "mild", "did", "lid", "dill", "mill", "ill"}


def is_heading(line: str) -> bool:
    """True if ``line`` (a stripped single-line paragraph) is a chapter heading."""
    if not line or len(line) > MAX_HEADING_CHARS or "\n" in line or _ANY_PATTERN.match(line) is None:
        return False  # the pattern first: it settles most lines, and is one C call
    if line[0] in "\"'“‘«„(" or line.endswith((",", ";")):
        return False  # dialogue or a sentence that happens to start with "Part one ..."
    if line.endswith((".", "!", "?")) and len(line.split()) > 8:
        return False
    low = line.lower().rstrip(".")
    # An English word made of Roman-numeral letters, e.g. "Mix." or "I.", is not a heading.
    return low not in _LONE_ROMAN_WORDS or line == line.upper()


def heading_title(line: str) -> str:
    """Display title for a heading line: Markdown marks removed."""
    return line.lstrip("#").strip() if line.startswith("#") else line.strip()


def is_subtitle(line: str) -> bool:
    """A short title line right after a bare "CHAPTER I" heading, e.g. "Down the Rabbit-Hole"."""
    if not line or len(line) > 70 or "\n" in line:
        return False
    ends = (".", "!", "?", ",", ";", ":", '"', "”", "’", "。", "！", "？", "…", "；", "，", "」", "』", "»")
    line = line.rstrip()
    if line.endswith(".") and _is_capitals_title(line[:-1]):
        return not is_heading(line)  # "THE BEGINNING.": Gutenberg ends its chapter names with a period
    return not line.endswith(ends) and not is_heading(line)


def _is_capitals_title(text: str) -> bool:
    return (any(c.isalpha() for c in text) and text == text.upper() and len(text.split()) <= 8
            and not any(mark in text for mark in ".!?;"))
