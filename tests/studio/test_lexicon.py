"""The pronunciation lexicon: word, case and whole-word rules, regular expressions and language scope each change
exactly the clip keys of the sentences they rewrite (through NarrationPlan); bad and catastrophic patterns."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from reader_app.narration.config import NarrationConfig
from reader_app.narration.plan import NarrationPlan
from reader_app.narration.rendering import StudioChoices
from reader_app.studio.lexicon import SUB_TIMEOUT_S, TIMEOUTS, Lexicon, LexiconEntry, LexiconError
from reader_app.studio.lexicon_impact import lexicon_impact, sample_text
from reader_app.tts.engine import VoiceSpec
from tests.support.books import make_book
from tests.support.perf import time_limit

TEXTS = ["The GIF loops.", "A gif, a Gif and a gifted cat.", "Dr. Smith ran 5km.", "Nothing here.",
         "Il a dit gif.", "我用GIF格式。"]


def _book():
    return make_book([[TEXTS[:3]], [TEXTS[3:]]])


def _keys(lexicon: Lexicon | None, language: str = "English") -> list[str]:
    config = NarrationConfig(voice=VoiceSpec(speaker="ryan"), model_id="m1", engine_settings={"seed": 0},
                             language=language, studio=StudioChoices(lexicon=lexicon))
    plan = NarrationPlan(_book().sentences(), config, lambda _keys: set())
    return [key.digest for key in plan.keys]


def _changed(*entries: LexiconEntry, language: str = "English") -> list[int]:
    before, after = _keys(None, language), _keys(Lexicon.of(entries), language)
    return [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]


def _says(entry: LexiconEntry, text: str, language: str = "English") -> str:
    return Lexicon((entry,)).rewrite(text, language)


def test_a_plain_word_is_whole_word_and_any_case_and_keeps_the_case_of_what_it_replaces():
    gif = LexiconEntry.make("gif", "jif")
    assert _says(gif, TEXTS[1]) == "A jif, a Jif and a gifted cat."
    assert _says(gif, TEXTS[0]) == "The JIF loops."
    assert _says(gif, TEXTS[5]) == "我用JIF格式。"  # no spaces in Chinese: the word still counts as whole
    assert _changed(gif) == [0, 1, 4, 5]


def test_match_case_and_part_words():
    exact = LexiconEntry.make("gif", "jif", match_case=True)
    assert _says(exact, TEXTS[1]) == "A jif, a Gif and a gifted cat."
    assert _changed(exact) == [1, 4]
    part = LexiconEntry.make("gif", "jif", whole_word=False)
    assert _says(part, TEXTS[1]) == "A jif, a Jif and a jifted cat."
    written = LexiconEntry.make("gif", "JIF-file")  # a replacement with capitals is used as written
    assert _says(written, "gif Gif") == "JIF-file JIF-file"


def test_a_pattern_ending_in_punctuation():
    assert _says(LexiconEntry.make("Dr.", "Doctor"), TEXTS[2]) == "Doctor Smith ran 5km."
    assert _changed(LexiconEntry.make("Dr.", "Doctor")) == [2]


def test_a_regular_expression_with_groups():
    km = LexiconEntry.make(r"(\d+)\s?km\b", r"\1 kilometres", is_regex=True)
    assert _says(km, TEXTS[2]) == "Dr. Smith ran 5 kilometres."
    named = LexiconEntry.make(r"(?P<n>\d+)km", r"\g<n> K M", is_regex=True)
    assert _says(named, TEXTS[2]) == "Dr. Smith ran 5 K M."
    assert _changed(km) == [2]


def test_language_scope_changes_only_books_in_that_language():
    french = LexiconEntry.make("gif", "jiff", language="fr")
    assert french.language == "French"
    assert _changed(french) == []
    assert _changed(french, language="French") == [0, 1, 4, 5]
    assert _changed(LexiconEntry.make("gif", "jif", language="English")) == [0, 1, 4, 5]
    # A book of unknown language ("auto"): only the entries for every language apply.
    assert _changed(LexiconEntry.make("gif", "jif", language="English"), language="auto") == []
    assert _changed(LexiconEntry.make("gif", "jif"), language="auto") == [0, 1, 4, 5]


def test_book_entries_come_first_and_win():
    book, glob = LexiconEntry.make("gif", "ghif"), LexiconEntry.make("gif", "jif")
    assert Lexicon.of([book], [glob]).rewrite("gif", "English") == "ghif"  # type: ignore[union-attr]


def test_equal_lexicons_compare_equal_and_a_changed_entry_counts_its_sentences():
    a = Lexicon.of([LexiconEntry.make("gif", "jif"), LexiconEntry.make("Dr.", "Doctor")])
    b = Lexicon.of([LexiconEntry.make("gif", "jif"), LexiconEntry.make("Dr.", "Doctor")])
    assert a == b and hash(a) == hash(b)
    c = Lexicon.of([LexiconEntry.make("gif", "jif", match_case=True), LexiconEntry.make("Dr.", "Doctor")])
    impact = lexicon_impact(_book().sentences(), a, c, "English")
    assert [s.text for s in impact.changed] == [TEXTS[0], TEXTS[1], TEXTS[5]]
    assert impact.summary() == "3 sentences will be generated again"
    assert lexicon_impact(_book().sentences(), a, b, "English").summary() == "No sentence will be generated again"
    assert lexicon_impact(_book().sentences(), None, Lexicon.of([LexiconEntry.make("Dr.", "Doctor")]),
                          "English").summary() == "1 sentence will be generated again"


def test_listen_sample_is_the_first_matching_sentence_rewritten_or_the_replacement():
    sentences = _book().sentences()
    km = LexiconEntry.make(r"(\d+)km", r"\1 kilometres", is_regex=True)
    lexicon = Lexicon.of([km, LexiconEntry.make("Dr.", "Doctor")])
    assert sample_text(sentences, km, lexicon, "English") == "Doctor Smith ran 5 kilometres."
    assert sample_text(sentences, LexiconEntry.make("Tolkien", "Toll-keen"), lexicon, "English") == "Toll-keen"


@pytest.mark.parametrize(("pattern", "replacement", "reason"), [
    ("(a", "x", "missing )"),
    ("a[", "x", "unterminated character set"),
    ("(a)", r"\2", "invalid group reference"),
    ("(?P<n>a)", r"\g<m>", "unknown group"),
    ("x?", "y", "matches empty text"),
    (r"\b", "y", "matches empty text"),
    ("a" * 400, "y", "too long"),
    ("", "y", "empty"),
])
def test_a_bad_regular_expression_is_refused_with_its_reason(pattern, replacement, reason):
    with pytest.raises(LexiconError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        LexiconEntry.make(pattern, replacement, is_regex=True)


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({"pattern": "a\tb", "replacement": "c"}, "control character"),
    ({"pattern": "ab", "replacement": "c\nd"}, "control character"),
    ({"pattern": "ab", "replacement": "c", "language": "Klingon"}, "unknown language"),
    ({"pattern": "ab", "replacement": "c", "language": "nl"}, "unknown language"),
])
def test_bad_entries_are_refused(kwargs, reason):
    with pytest.raises(LexiconError, match=reason):
        LexiconEntry.make(**kwargs)


@pytest.mark.perf
def test_a_catastrophic_pattern_is_bounded_and_skipped_for_that_sentence(caplog):
    TIMEOUTS.clear()
    nested = LexiconEntry.make(r"(a+)+$", "x", is_regex=True)  # the textbook case; regex's engine copes
    assert _says(nested, "a" * 30 + "b") == "a" * 30 + "b"
    slow = LexiconEntry.make(r"(a|aa)+c", "x", is_regex=True)  # exponential even for regex: hits the limit
    lexicon = Lexicon.of([slow, LexiconEntry.make("b", "bee")])
    text = "a" * 40 + " b"
    started = time.monotonic()
    assert lexicon.rewrite(text, "English") == "a" * 40 + " bee"  # type: ignore[union-attr]
    assert time.monotonic() - started < time_limit(20 * SUB_TIMEOUT_S)
    assert TIMEOUTS.count(slow) == 1
    assert sum("took over" in r.getMessage() for r in caplog.records) == 1
    impact = lexicon_impact([replace(_book().sentences()[0], text=text)], None, lexicon, "English")
    assert impact.timed_out == (r"(a|aa)+c",) and "too slow" in impact.summary()
    # After a few sentences over the limit the pattern is skipped from the start: a book stays bounded.
    started = time.monotonic()
    for _ in range(50):
        lexicon.rewrite(text, "English")  # type: ignore[union-attr]
    assert time.monotonic() - started < time_limit(40 * SUB_TIMEOUT_S)
    TIMEOUTS.clear()
