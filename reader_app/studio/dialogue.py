"""Where a book's characters speak: quoted speech found by the quotation conventions of the ten model languages.

Qt-free and linear in the book's size (each paragraph is scanned once). A paragraph is the unit of a speech
turn; its sentences (the units the narrator voices, books/model.Sentence) are joined with single spaces, the
quoted spans found in that text, and each sentence's share of quoted text computed. A sentence that is mostly
quoted speech (LINE_SHARE) is a line of its speaker; the rest stay the narrator's.

Conventions (QuoteStyle): “…” (English and most), "…" (straight, toggling), «…» (French, Russian, Spanish,
Italian), »…« and „…“ / ‚…‘ (German), 「…」 and 『…』 (Japanese, Chinese), and dialogue dashes (— or ―) that open a
paragraph (French, Russian, Spanish, Italian, Portuguese), where a later " — " pair sets off the narrator's words
("— Привет, — сказал Иван, — как дела?") and a French incise (", dit Marie.") is the narrator's too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from reader_app.books.model import Book, Sentence
from reader_app.studio.speech_verbs import incise_at

LINE_SHARE = 0.5  # a sentence at least this much quoted speech (its speech tag not counted) is a speaker's line


class QuoteStyle(StrEnum):
    CURLY = "curly"  # “…”
    STRAIGHT = "straight"  # "…"
    GUILLEMETS = "guillemets"  # «…»
    REVERSED = "reversed"  # »…« (German)
    LOW_HIGH = "low_high"  # „…“ and ‚…‘ (German, Czech…)
    CORNER = "corner"  # 「…」
    WHITE_CORNER = "white_corner"  # 『…』
    DASH = "dash"  # — at the start of a paragraph


# opening mark -> (closing marks, style). „ closes with “ in German and ” in Polish/Hungarian.
_PAIRS: dict[str, tuple[str, QuoteStyle]] = {
    "“": ("”", QuoteStyle.CURLY),  # ‘…’ is found apart: ’ is also the apostrophe
    "«": ("»", QuoteStyle.GUILLEMETS),
    "»": ("«", QuoteStyle.REVERSED),
    "„": ("“”", QuoteStyle.LOW_HIGH),
    "‚": ("‘’", QuoteStyle.LOW_HIGH),
    "「": ("」", QuoteStyle.CORNER),
    "『": ("』", QuoteStyle.WHITE_CORNER),
}
_OPENERS = re.compile('[“‘«»„‚「『"]')
_DASHES = "—―–"
_DASH_START = re.compile(rf"^\s*[{_DASHES}]\s*")
_LATE_DASH = re.compile(rf"(?<=[.!?…])\s+(?=[{_DASHES}]\s?\S)")
# A dash that sets off the narrator's words inside a dash paragraph: " — сказал", " —dijo" (Spanish closes it
# against the next word); the speech resumes after the next such dash.
INNER_DASH = re.compile(rf"\s[{_DASHES}]\s?|[{_DASHES}](?=[.,;:])")
_INCISE_END = re.compile(r"[.!?…]|$")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int  # exclusive
    style: QuoteStyle


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a chapter: its sentences, their joined text, where each sentence starts, the quoted
    spans (speech) in reading order."""

    chapter: int
    index: int
    sentences: tuple[Sentence, ...]
    text: str
    starts: tuple[int, ...]
    speech: tuple[Span, ...]

    def sentence_range(self, i: int) -> tuple[int, int]:
        return self.starts[i], self.starts[i] + len(self.sentences[i].text)

    def narration(self) -> Iterator[tuple[int, int]]:
        """The stretches between quoted spans: where speech tags ("said Alice") are."""
        at = 0
        for span in self.speech:
            if span.start > at:
                yield at, span.start
            at = span.end
        if at < len(self.text):
            yield at, len(self.text)

    def quoted_share(self, i: int, ignore: Iterable[tuple[int, int]] = ()) -> float:
        """How much of sentence i (non-space characters) is quoted speech; `ignore`: spans not counted at all
        (a recognised speech tag, so "“Hello,” said Alice." counts as speech)."""
        start, end = self.sentence_range(i)
        ignored = [(max(a, start), min(b, end)) for a, b in ignore if a < end and b > start]

        def counted(a: int, b: int) -> int:
            chars = self.text[a:b]
            total = len(chars) - sum(c.isspace() for c in chars)
            for x, y in ignored:
                lo, hi = max(a, x), min(b, y)
                if lo < hi:
                    total -= sum(not c.isspace() for c in self.text[lo:hi])
            return total

        whole = counted(start, end)
        if whole <= 0:
            return 0.0
        quoted = sum(counted(max(s.start, start), min(s.end, end)) for s in self.speech
                     if s.start < end and s.end > start)
        return quoted / whole

    @property
    def has_speech(self) -> bool:
        return bool(self.speech)


def find_speech(text: str) -> list[Span]:
    """The quoted spans of one paragraph, quotation marks included. An unclosed quote runs to the paragraph's
    end (books often leave a multi-paragraph speech open)."""
    dash = _DASH_START.match(text)
    if dash is not None:
        return _dash_speech(text, dash.end())
    if not _OPENERS.search(text):  # "Иван открыл дверь. — От кого оно?": a dash after the narrator's sentence
        dash = _LATE_DASH.search(text)
        if dash is not None:
            offset = dash.end()
            rest = text[offset:]
            opening = _DASH_START.match(rest)
            return [Span(s.start + offset, s.end + offset, s.style)
                    for s in _dash_speech(rest, opening.end() if opening is not None else 0)]
    spans: list[Span] = []
    at = 0
    while True:
        found = _OPENERS.search(text, at)
        if found is None:
            return spans
        mark = found.group()
        start = found.start()
        if mark == '"':
            close = text.find('"', start + 1)
            style = QuoteStyle.STRAIGHT
            end = len(text) if close < 0 else close + 1
        elif mark == "‘":
            end, style = _single_close(text, start + 1), QuoteStyle.CURLY
        elif mark == "»" and "«" not in text[start + 1:]:
            at = start + 1  # a stray closing guillemet
            continue
        else:
            closers, style = _PAIRS[mark]
            end = _find_close(text, start + 1, mark, closers)
        spans.append(Span(start, end, style))
        at = end


def _single_close(text: str, at: int) -> int:
    """’ closes a ‘…’ where no letter follows it (an apostrophe, as in don’t, is inside a word)."""
    for i in range(at, len(text)):
        if text[i] == "’" and (i + 1 >= len(text) or not text[i + 1].isalpha()):
            return i + 1
    return len(text)


def _find_close(text: str, at: int, opener: str, closers: str) -> int:
    depth = 0
    for i in range(at, len(text)):
        c = text[i]
        if c == opener and opener not in closers:
            depth += 1
        elif c in closers:
            if depth == 0:
                return i + 1
            depth -= 1
    return len(text)


def _dash_speech(text: str, start: int) -> list[Span]:
    """A paragraph opened by a dialogue dash: speech, then the narrator after " — " (or a French incise), the
    speech again after the next dash, and so on."""
    spans: list[Span] = []
    speaking, at = True, start
    while at < len(text):
        dash = INNER_DASH.search(text, at)
        stop = dash.start() if dash is not None else len(text)
        if speaking:
            incise = incise_at(text, at, stop)
            spans.append(Span(at, stop if incise is None else incise, QuoteStyle.DASH))
            if incise is not None:
                end = _INCISE_END.search(text, incise)
                resume = end.end() if end is not None else len(text)
                if resume < stop:  # the speech goes on after the incise's sentence (French style)
                    at = resume
                    continue
                speaking = False  # the dash that follows the incise opens speech again
        if dash is None:
            break
        speaking = not speaking
        at = dash.end()
    if spans:
        spans[0] = Span(0, spans[0].end, spans[0].style)  # the opening dash belongs to the speech
    return [s for s in spans if text[s.start:s.end].strip(" .,;:" + _DASHES)]


def paragraphs(book: Book) -> Iterator[Paragraph]:
    """Every paragraph of the book with its speech found, in reading order."""
    for chapter in book.chapters:
        group: list[Sentence] = []
        for sentence in chapter.sentences:
            if group and sentence.paragraph_index != group[0].paragraph_index:
                yield _paragraph(chapter.index, group)
                group = []
            group.append(sentence)
        if group:
            yield _paragraph(chapter.index, group)


def _paragraph(chapter: int, sentences: list[Sentence]) -> Paragraph:
    starts, at = [], 0
    for sentence in sentences:
        starts.append(at)
        at += len(sentence.text) + 1
    text = " ".join(s.text for s in sentences)
    return Paragraph(chapter, sentences[0].paragraph_index, tuple(sentences), text, tuple(starts),
                     tuple(find_speech(text)))
