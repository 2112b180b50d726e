"""Who speaks each line of a book, by rules that need no network, with a confidence per line.

Qt-free, two passes over the book's paragraphs (linear in its size):
1. every quoted span's speech tag (reader_app/studio/speech_verbs.py: "said Alice", "Alice replied", "dit
   Marie", "сказал Иван", "李明说", "と花子は言った"); the names tags give are the book's known names;
2. each paragraph's speaker: its own named tag (CONFIDENCE_TAG, less for a name seen once), else the known
   name that opens one of its narration sentences (an action beat: "Alice frowned. “No.”"), else a speech
   left open by the previous paragraph goes on, else the other person of a two-person exchange (alternating
   turns, less sure with each turn not confirmed by a tag).
A sentence that is mostly quoted speech (dialogue.LINE_SHARE, its speech tag not counted) is a line of the
speaker of the span it holds most of; the narrator reads every other sentence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from reader_app.books.model import Book
from reader_app.store.characters import SpeakerLine, SpeakerSource
from reader_app.studio.dialogue import INNER_DASH, LINE_SHARE, Paragraph, Span, paragraphs
from reader_app.studio.speech_verbs import Tag, find_tag, incise_at, is_name

CONFIDENCE_TAG = 0.9  # a tag naming a name the book names again
CONFIDENCE_TAG_ONCE = 0.8  # a tag naming a name seen once
CONFIDENCE_SUBJECT = 0.7  # the subject of the clause before the quote ("Alice turned to him and said:")
CONFIDENCE_OPEN_QUOTE = 0.7  # the previous paragraph's speech was left open: the same speaker goes on
CONFIDENCE_BEAT = 0.6  # a known name opens a narration sentence of the paragraph
CONFIDENCE_ALTERNATE = 0.6  # the other person of a two-person exchange, first unconfirmed turn
ALTERNATE_DECAY = 0.05  # each further unconfirmed turn
CONFIDENCE_FLOOR = 0.35
EXCHANGE_GAP = 2  # paragraphs without speech that end an exchange
_CLOSERS = "”’»«“」』\""


@dataclass
class _Turn:
    speaker: str | None
    confidence: float
    by_span: dict[int, tuple[str, float]] = field(default_factory=dict)  # span index -> its own named tag
    tags: list[tuple[int, int]] = field(default_factory=list)  # tag places, not counted as narration


@dataclass(frozen=True)
class Attribution:
    lines: dict[str, SpeakerLine]  # sentence id -> speaker, for lines with a speaker
    speech: frozenset[str]  # every sentence found to be a line (with or without a speaker)

    def counts(self) -> Counter[str]:
        return Counter(line.speaker for line in self.lines.values())


def attribute(book: Book) -> Attribution:
    found = list(paragraphs(book))
    tags = [_tags(p) for p in found]
    known = Counter(tag.name for per in tags for _i, tag, _c, _s in per if tag.name)
    lines: dict[str, SpeakerLine] = {}
    speech: set[str] = set()
    exchange = _Exchange()
    for paragraph, per in zip(found, tags, strict=True):
        exchange.enter(paragraph.chapter)
        if not paragraph.has_speech:
            exchange.quiet(paragraph.chapter)
            continue
        turn = _decide(paragraph, per, known, exchange)
        for i, sentence in enumerate(paragraph.sentences):
            if paragraph.quoted_share(i, turn.tags) < LINE_SHARE:
                continue
            speech.add(sentence.id)
            speaker, confidence = turn.speaker, turn.confidence
            span = _main_span(paragraph, i)
            if span in turn.by_span:
                speaker, confidence = turn.by_span[span]
            if speaker:
                lines[sentence.id] = SpeakerLine(sentence.id, speaker, round(confidence, 3), SpeakerSource.RULE)
    return Attribution(lines, frozenset(speech))


def _tags(paragraph: Paragraph) -> list[tuple[int, Tag, float, list[tuple[int, int]]]]:
    """(span index, tag, confidence, the places of every tag seen) for each quoted span with a tag: after the
    quote first, else before it, else inside it (« Non merci, murmura Marie, je… », «Не знаю, — сказала Ольга.»)."""
    out: list[tuple[int, Tag, float, list[tuple[int, int]]]] = []
    text, spans = paragraph.text, paragraph.speech
    for i, span in enumerate(spans):
        after_end = spans[i + 1].start if i + 1 < len(spans) else len(text)
        before_start = spans[i - 1].end if i else 0
        after = find_tag(text, span.end, after_end, after_quote=True)
        before = find_tag(text, before_start, span.start, after_quote=False)
        inside = _inner_tag(text, span) if after is None and before is None else None
        seen = [(t.start, t.end) for t in (after, before, inside) if t is not None]
        if after is not None and (after.name or before is None or not before.name):
            out.append((i, after, CONFIDENCE_TAG, seen))
        elif before is not None:
            out.append((i, before, CONFIDENCE_SUBJECT if _far(before, span) else CONFIDENCE_TAG, seen))
        elif inside is not None:
            out.append((i, inside, CONFIDENCE_TAG, seen))
    return out


def _inner_tag(text: str, span: Span) -> Tag | None:
    """A tag set inside the quotation marks: after an incise's comma or an inner dash."""
    at = incise_at(text, span.start + 1, span.end)
    if at is None:
        dash = INNER_DASH.search(text, span.start + 1, span.end)
        at = dash.end() if dash is not None else None
    return find_tag(text, at, span.end, after_quote=True) if at is not None else None


def _far(tag: Tag, span: Span) -> bool:
    """The name stands well before the verb next to the quote (a clause's subject, not a tag)."""
    return span.start - tag.start > 40


def _canonical(name: str, known: Counter[str]) -> str:
    """A CJK name with its action still attached (王芳跳下车) -> the known name it starts with."""
    if not name or name[0].isascii() or name[0].isupper():
        return name
    for size in (2, 3):
        if size < len(name) and name[:size] in known:
            return name[:size]
    return name


def _decide(paragraph: Paragraph, per: list[tuple[int, Tag, float, list[tuple[int, int]]]], known: Counter[str],
            exchange: _Exchange) -> _Turn:
    turn = _Turn(None, 0.0, tags=[place for *_rest, seen in per for place in seen])
    for i, tag, confidence, _seen in per:
        if tag.name:
            name = _canonical(tag.name, known)
            sure = confidence if known[name] > 1 or confidence < CONFIDENCE_TAG else CONFIDENCE_TAG_ONCE
            turn.by_span[i] = (name, sure)
            if turn.speaker is None:
                turn.speaker, turn.confidence = name, sure
    if turn.speaker is None:
        beat = _beat(paragraph, known)
        if beat is not None:
            turn.speaker, turn.confidence = beat, CONFIDENCE_BEAT
    if turn.speaker is None and exchange.open_speaker is not None:
        turn.speaker, turn.confidence = exchange.open_speaker, CONFIDENCE_OPEN_QUOTE
    if turn.speaker is None:
        turn.speaker, turn.confidence = exchange.alternate()
    else:
        exchange.confirm(turn.speaker, turn.confidence >= CONFIDENCE_BEAT)
    exchange.spoke(paragraph, turn.speaker)
    return turn


def _beat(paragraph: Paragraph, known: Counter[str]) -> str | None:
    """A known name opening a narration sentence of the paragraph ("Alice frowned."), the first one found."""
    text = paragraph.text
    for start, end in paragraph.narration():
        stretch = text[start:end].lstrip(" ,.;:!?—–-" + _CLOSERS)
        if not stretch:
            continue
        for name in _openings(stretch):
            if known[name] > 0:
                return name
    return None


def _openings(stretch: str) -> Iterable[str]:
    """The first word (and first two words) of each sentence of a narration stretch."""
    for sentence in stretch.replace("!", ".").replace("?", ".").split(". "):
        words = sentence.split()
        if words and is_name(words[0].strip(",;:")):
            first = words[0].strip(",;:.")
            if len(words) > 1 and is_name(words[1].strip(",;:.")):
                yield f"{first} {words[1].strip(',;:.')}"
            yield first


class _Exchange:
    """The conversation under way: who spoke last, who before them, how many turns were guessed."""

    def __init__(self) -> None:
        self.chapter = -1
        self.last: str | None = None
        self.other: str | None = None
        self.guessed = 0
        self.silent = 0
        self.open_speaker: str | None = None  # the last paragraph's speech was not closed

    def enter(self, chapter: int) -> None:
        if chapter != self.chapter:  # a new chapter is a new scene
            self.chapter, self.last, self.other, self.guessed, self.open_speaker = chapter, None, None, 0, None

    def quiet(self, chapter: int) -> None:
        self.silent += 1
        self.open_speaker = None
        if self.silent >= EXCHANGE_GAP:
            self.last = self.other = None
            self.guessed = 0

    def confirm(self, speaker: str, sure: bool) -> None:
        if speaker != self.last:
            self.other, self.last = self.last, speaker
        if sure:
            self.guessed = 0

    def alternate(self) -> tuple[str | None, float]:
        if self.last is None or self.other is None:
            return None, 0.0
        self.other, self.last = self.last, self.other
        confidence = max(CONFIDENCE_ALTERNATE - ALTERNATE_DECAY * self.guessed, CONFIDENCE_FLOOR)
        self.guessed += 1
        return self.last, confidence

    def spoke(self, paragraph: Paragraph, speaker: str | None) -> None:
        self.silent = 0
        last = paragraph.speech[-1]
        text = paragraph.text
        unclosed = last.end >= len(text.rstrip()) and text.rstrip()[-1:] not in _CLOSERS and \
            last.style != "dash"
        self.open_speaker = speaker if unclosed else None


def _main_span(paragraph: Paragraph, i: int) -> int:
    """The quoted span that covers most of sentence i."""
    start, end = paragraph.sentence_range(i)
    best, best_len = -1, 0
    for k, span in enumerate(paragraph.speech):
        overlap = min(end, span.end) - max(start, span.start)
        if overlap > best_len:
            best, best_len = k, overlap
    return best
