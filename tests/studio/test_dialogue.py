"""Dialogue found by the ten languages' quotation conventions, and who speaks it, on passages written for the
tests (tests/studio/passages.py) in English, French, German, Russian, Chinese, Japanese and Spanish."""

from __future__ import annotations

import pytest

from reader_app.studio.attribution import attribute
from reader_app.studio.dialogue import QuoteStyle, find_speech
from tests.studio.passages import HELD_OUT, PASSAGES, passage_book, score
from tests.support.books import make_book


def quoted(text: str) -> list[str]:
    return [text[s.start:s.end] for s in find_speech(text)]


@pytest.mark.parametrize(("text", "speech", "style"), [
    ("“Hello,” said Alice.", ["“Hello,”"], QuoteStyle.CURLY),
    ('"Hello," said Alice.', ['"Hello,"'], QuoteStyle.STRAIGHT),
    ("‘Don’t,’ said Alice.", ["‘Don’t,’"], QuoteStyle.CURLY),
    ("« Bonjour », dit Marie.", ["« Bonjour »"], QuoteStyle.GUILLEMETS),
    ("»Hallo«, sagte Hans.", ["»Hallo«"], QuoteStyle.REVERSED),
    ("„Hallo“, sagte Hans.", ["„Hallo“"], QuoteStyle.LOW_HIGH),
    ("「こんにちは」と花子は言った。", ["「こんにちは」"], QuoteStyle.CORNER),
    ("『さようなら』と太郎。", ["『さようなら』"], QuoteStyle.WHITE_CORNER),
    ("— Bonjour, dit Marie. Comment vas-tu ?", ["— Bonjour,", " Comment vas-tu ?"], QuoteStyle.DASH),
    ("— Привет, — сказал Иван. — Как дела?", ["— Привет,", "Как дела?"], QuoteStyle.DASH),
    ("—Hola —dijo María—. ¿Cómo estás?", ["—Hola", ". ¿Cómo estás?"], QuoteStyle.DASH),
])
def test_each_convention_finds_the_speech_and_leaves_the_tag_to_the_narrator(text, speech, style):
    assert quoted(text) == speech
    assert {s.style for s in find_speech(text)} == {style}


def test_narration_without_quotes_has_no_speech():
    assert find_speech("It was raining, and the street — empty as ever — shone.") == []
    assert find_speech("He didn’t know what she’d meant.") == []


def test_a_quote_left_open_runs_to_the_paragraphs_end():
    assert quoted("“I went on and on, and never stopped") == ["“I went on and on, and never stopped"]


def test_hello_said_alice_is_alices_line_read_whole_in_her_voice():
    """One unit holds speech and tag: the tag is not counted, so the sentence is mostly speech (docs)."""
    book = make_book([[["“Hello,” said Alice."], ["Alice laughed and went on for a long while about the rain, "
                                                   "the roads, the trains and the price of everything, “no.”"]]])
    result = attribute(book)
    first, second = book.sentences()
    assert result.lines[first.id].speaker == "Alice"
    assert second.id not in result.speech  # mostly narration: the narrator reads it, quote and all


def test_alternating_turns_fill_untagged_lines_with_falling_confidence():
    book = make_book([[["“Tea?” asked Alice."], ["“Please,” said Bob."], ["“Milk?”"], ["“No.”"], ["“Sugar?”"]]])
    lines = attribute(book).lines
    speakers = [lines[s.id].speaker for s in book.sentences()]
    assert speakers == ["Alice", "Bob", "Alice", "Bob", "Alice"]
    confidences = [lines[s.id].confidence for s in book.sentences()]
    assert confidences[0] > confidences[2] > confidences[3] > confidences[4]


def test_a_new_chapter_ends_the_exchange():
    book = make_book([[["“Tea?” asked Alice."], ["“Please,” said Bob."]], [["“Milk?”"]]])
    lines = attribute(book).lines
    assert book.chapters[1].sentences[0].id not in lines


@pytest.mark.parametrize("language", sorted(PASSAGES))
def test_attribution_on_the_tuning_passages(language):
    result = score(language)
    assert result.false_lines == 0
    assert result.detected == result.dialogue
    assert result.precision == 1.0 and result.recall == 1.0, result


def totals(held_out: bool) -> tuple[float, float]:
    scores = [score(lang, held_out) for lang in (HELD_OUT if held_out else PASSAGES)]
    attributed = sum(s.attributed for s in scores)
    correct = sum(s.correct for s in scores)
    dialogue = sum(s.dialogue for s in scores)
    return correct / attributed, correct / dialogue


def test_attribution_on_the_held_out_passages_stays_at_the_figures_reported_in_docs():
    precision, recall = totals(held_out=True)
    # docs/studio.md reports these (precision 0.83, recall 0.68 when written); a regression fails here.
    assert precision >= 0.80, precision
    assert recall >= 0.65, recall
    for language in HELD_OUT:
        assert score(language, True).false_lines == 0


def test_every_line_has_a_confidence_between_0_and_1():
    book, _paragraphs, _gold = passage_book("English")
    assert all(0 < line.confidence <= 1 for line in attribute(book).lines.values())
