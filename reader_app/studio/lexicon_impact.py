"""What a lexicon change does to a book: which sentences the model reads differently (their clips are made
again, nothing else is), and a sample to listen to for one entry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reader_app.books.model import Sentence
from reader_app.studio.lexicon import TIMEOUTS, Lexicon, LexiconEntry, rewrite


@dataclass(frozen=True)
class LexiconImpact:
    changed: tuple[Sentence, ...]  # sentences whose rendered text differs: exactly the clips made again
    timed_out: tuple[str, ...] = ()  # patterns skipped on some sentence (over the time limit)

    @property
    def count(self) -> int:
        return len(self.changed)

    def summary(self) -> str:
        """"3 sentences will be generated again", for the dialog and the command line."""
        if not self.changed:
            text = "No sentence will be generated again"
        else:
            text = f"{self.count} sentence{'s' if self.count != 1 else ''} will be generated again"
        if self.timed_out:
            text += f" (too slow, skipped on some sentences: {', '.join(map(repr, self.timed_out))})"
        return text


def lexicon_impact(sentences: Iterable[Sentence], before: Lexicon | None, after: Lexicon | None,
                   language: str) -> LexiconImpact:
    """The sentences whose text the model reads changes from `before` to `after` (either None: no lexicon)."""
    if before == after:
        return LexiconImpact(())
    changed = tuple(s for s in sentences if rewrite(before, s.text, language) != rewrite(after, s.text, language))
    entries = after.entries if after is not None else ()
    return LexiconImpact(changed, tuple(e.pattern for e in entries if TIMEOUTS.count(e)))


def first_match(sentences: Iterable[Sentence], entry: LexiconEntry) -> Sentence | None:
    """The first sentence of the book the entry matches (whatever its language scope)."""
    return next((s for s in sentences if entry.search(s.text)), None)


def sample_text(sentences: Sequence[Sentence], entry: LexiconEntry, lexicon: Lexicon | None,
                language: str) -> str:
    """What "Listen" speaks: the first sentence the entry matches as the model reads it (through the whole
    lexicon, the entry included), or the replacement alone when it matches none."""
    found = first_match(sentences, entry)
    if found is None:
        return entry.replacement
    try:
        text = entry.apply(found.text)  # whatever its scope: the reader asked to hear this entry
    except TimeoutError:
        text = found.text
    others = tuple(e for e in lexicon.entries if e != entry) if lexicon is not None else ()
    return Lexicon(others).rewrite(text, language) if others else text
