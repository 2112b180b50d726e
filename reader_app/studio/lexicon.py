"""The pronunciation lexicon: what the model reads instead of a word or a pattern of the book's text.

An entry is a plain word (escaped, whole-word by default) or a regular expression (the `regex` package, so each
substitution has a time limit), a replacement (a regex's may use \\1 or \\g<name>), case rules and a language
scope. A Lexicon applies its entries in order, each to the text the previous one left: the book's own entries
come before the global ones, so a book entry for a word wins over a global one for the same word.

Case: match_case False matches any case, and a replacement written all in lower case takes the case of what it
replaced when that is all capitals ("NASA" -> "NAH-SAH" for "nasa" -> "nah-sah") or capitalised ("Nasa" ->
"Nah-sah"); a replacement with any capital letter is used as written.

Language scope: None (every language), else one of the model's language names ("English", as
NarrationConfig.language holds them; codes and aliases such as "en", "eng" or "english" are accepted and stored
as the name). A book whose language is "auto" (unknown, or one the model does not speak) gets only the entries
for every language.

Qt-free; Lexicon is a frozen dataclass of its entries, so two lexicons that rewrite alike compare equal and an
unchanged configuration is seen as unchanged (narration/rendering.TextRewriter).
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import regex

from reader_app.books.language import TTS_LANGUAGES, normalize_tag, primary_subtag

log = logging.getLogger(__name__)

SUB_TIMEOUT_S = 0.05  # per entry and sentence: a catastrophic pattern costs at most this, then is skipped
GIVE_UP_AFTER = 3  # timeouts of one pattern in this process before it is skipped everywhere (else a book of
#                    10,000 sentences could take 10,000 x the limit)
MAX_PATTERN = 300
MAX_REPLACEMENT = 500
MAX_ENTRIES = 5000
AUTO = "auto"

# Letters of scripts written with spaces between words: whole-word edges are checked against these only, so a
# Latin word inside Chinese text, or a Chinese word, still matches (those scripts put no spaces between words).
_SPACED_LETTER = r"[^\W\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]"
_SPACED = regex.compile(_SPACED_LETTER)
_BEFORE = f"(?<!{_SPACED_LETTER})"
_AFTER = f"(?!{_SPACED_LETTER})"
_PROBES = ("", "a b", "A b. 1")  # texts a pattern that matches nothing must not match emptily


class LexiconError(ValueError):
    """An entry or file that was refused; str(error) is one line saying why."""


def language_name(value: str | None) -> str | None:
    """The scope an entry is stored with: None for every language, else the model's name for it."""
    if value is None or value.strip().lower() in ("", "all", "*", "any", AUTO):
        return None
    code = primary_subtag(normalize_tag(value))
    name = TTS_LANGUAGES.get(code or "")
    if name is None:
        raise LexiconError(f"unknown language {value!r}: use one the model speaks "
                           f"({', '.join(TTS_LANGUAGES.values())}) or leave it empty for every language")
    return name


def _check_text(what: str, text: str, limit: int) -> None:
    if not isinstance(text, str):
        raise LexiconError(f"the {what} must be text")
    if len(text) > limit:
        raise LexiconError(f"the {what} is too long ({len(text)} characters; at most {limit})")
    bad = next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Cs", "Co")), None)
    if bad is not None:
        raise LexiconError(f"the {what} holds a control character (U+{ord(bad):04X}): tabs and line breaks "
                           "cannot be part of an entry")


@dataclass(frozen=True)
class LexiconEntry:
    """pattern -> replacement. Built checked: LexiconError with the reason for anything unusable."""

    pattern: str
    replacement: str
    regex: bool = False
    match_case: bool = False
    whole_word: bool = True  # plain words: whole words only; ignored edges are those of unspaced scripts
    language: str | None = None  # None: every language; else the model's language name ("English")
    _compiled: Any = field(default=None, init=False, repr=False, compare=False)
    _needle: str | None = field(default=None, init=False, repr=False, compare=False)  # see might_match

    def __post_init__(self) -> None:
        _check_text("pattern", self.pattern, MAX_PATTERN)
        _check_text("replacement", self.replacement, MAX_REPLACEMENT)
        if not self.pattern.strip():
            raise LexiconError("the pattern is empty")
        object.__setattr__(self, "language", language_name(self.language))
        object.__setattr__(self, "_compiled", self._compile())
        if not self.regex and self.pattern.isascii():  # a match needs the word in the text, in some case
            object.__setattr__(self, "_needle", self.pattern if self.match_case else self.pattern.casefold())

    @classmethod
    def make(cls, pattern: str, replacement: str, *, is_regex: bool = False, match_case: bool = False,
             whole_word: bool | None = None, language: str | None = None) -> LexiconEntry:
        """With the defaults of its kind: a plain word is whole-word, a regular expression is as written."""
        return cls(pattern, replacement, is_regex, match_case, (not is_regex) if whole_word is None else whole_word,
                   language)

    def _compile(self) -> Any:
        source = self.pattern if self.regex else regex.escape(self.pattern)
        if self.whole_word:
            if not self.regex:  # an edge that is punctuation ("Dr.") needs no boundary
                before = _BEFORE if _SPACED.fullmatch(self.pattern[0]) else ""
                after = _AFTER if _SPACED.fullmatch(self.pattern[-1]) else ""
                source = f"{before}{source}{after}"
            else:
                source = f"{_BEFORE}(?:{source}){_AFTER}"
        flags = regex.V0 | (0 if self.match_case else regex.IGNORECASE)
        try:
            compiled = regex.compile(source, flags)
        except (regex.error, OverflowError, RecursionError, ValueError) as exc:
            raise LexiconError(f"{self.pattern!r} is not a valid regular expression: {_reason(exc)}") from None
        try:
            for probe in _PROBES:
                found = compiled.search(probe, timeout=SUB_TIMEOUT_S)
                if found is not None and found.end() == found.start():
                    raise LexiconError(f"{self.pattern!r} matches empty text: it must match at least one "
                                       "character")
            if self.regex:  # group references in the replacement: refused now, not on the first sentence
                _check_template(compiled, self.replacement)
        except TimeoutError:
            raise LexiconError(f"{self.pattern!r} takes too long even on a short text") from None
        except (regex.error, IndexError, ValueError) as exc:
            if isinstance(exc, LexiconError):
                raise
            raise LexiconError(f"the replacement {self.replacement!r} does not fit the pattern: "
                               f"{_reason(exc)}") from None
        return compiled

    def applies_to(self, language: str) -> bool:
        return self.language is None or self.language == language

    def might_match(self, text: str, folded: str) -> bool:
        """A cheap test before the regular expression (most entries match few sentences): False only when the
        entry cannot match. folded is text.casefold()."""
        if self._needle is None:
            return True
        return self._needle in (text if self.match_case else folded)

    def search(self, text: str) -> bool:
        """Does the entry match somewhere in text (a timeout counts as no)?"""
        try:
            return self._compiled.search(text, timeout=SUB_TIMEOUT_S) is not None
        except TimeoutError:
            return False

    def apply(self, text: str) -> str:
        """text with every match replaced; TimeoutError past SUB_TIMEOUT_S."""
        keep_case = not self.match_case and self.replacement == self.replacement.lower()

        def replace(match: Any) -> str:
            if match.end() == match.start():  # a lookaround alone: nothing to replace
                return ""
            new = match.expand(self.replacement) if self.regex else self.replacement
            return _with_case_of(match.group(0), new) if keep_case else new

        return str(self._compiled.sub(replace, text, timeout=SUB_TIMEOUT_S))

    @property
    def kind(self) -> str:
        return "regex" if self.regex else "word"


def _check_template(compiled: Any, replacement: str) -> None:
    """Expand the replacement against an empty match with the pattern's groups (regex checks a template only
    once something matched): a bad escape or a group that does not exist raises here."""
    names = {index: name for name, index in compiled.groupindex.items()}
    fake = regex.compile("".join(f"(?P<{names[i]}>)" if i in names else "()"
                                 for i in range(1, compiled.groups + 1)))
    fake.sub(replacement, "", count=1)


def _reason(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _with_case_of(original: str, new: str) -> str:
    letters = [ch for ch in original if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return new.upper()
    if letters and original[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


class _TimeoutLedger:
    """Patterns that ran past the time limit in this process: said once each, given up after GIVE_UP_AFTER."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[LexiconEntry, int] = {}
        self._given_up: frozenset[LexiconEntry] = frozenset()  # replaced whole, so read without the lock

    def given_up(self, entry: LexiconEntry) -> bool:
        return entry in self._given_up

    def record(self, entry: LexiconEntry, text: str) -> None:
        with self._lock:
            count = self._counts[entry] = self._counts.get(entry, 0) + 1
        if count == 1:
            log.warning("lexicon pattern %r took over %d ms on a sentence and was skipped there: %.60r",
                        entry.pattern, SUB_TIMEOUT_S * 1000, text)
        if count == GIVE_UP_AFTER:
            with self._lock:
                self._given_up = self._given_up | {entry}
            log.warning("lexicon pattern %r is skipped from now on (%d sentences over the time limit)",
                        entry.pattern, count)

    def count(self, entry: LexiconEntry) -> int:
        """How many sentences this entry ran past the time limit on, in this process."""
        with self._lock:
            return self._counts.get(entry, 0)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._given_up = frozenset()


TIMEOUTS = _TimeoutLedger()


@dataclass(frozen=True)
class Lexicon:
    """Entries applied in order (the book's first, then the global ones): a TextRewriter."""

    entries: tuple[LexiconEntry, ...] = ()

    @classmethod
    def of(cls, *groups: Iterable[LexiconEntry]) -> Lexicon | None:
        """The lexicon of these groups in order; None when there is no entry (the renderer then keeps every key
        what it was)."""
        entries = tuple(entry for group in groups for entry in group)
        return cls(entries) if entries else None

    def rewrite(self, text: str, language: str) -> str:
        folded = text.casefold()
        for entry in self.entries:
            if not entry.applies_to(language) or not entry.might_match(text, folded) or TIMEOUTS.given_up(entry):
                continue
            try:
                new = entry.apply(text)
            except TimeoutError:
                TIMEOUTS.record(entry, text)
                continue
            if new != text:
                text, folded = new, new.casefold()
        return text


def rewrite(lexicon: Lexicon | None, text: str, language: str) -> str:
    """text through a lexicon, or unchanged without one."""
    return text if lexicon is None else lexicon.rewrite(text, language)
