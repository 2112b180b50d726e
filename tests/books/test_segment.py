"""Sentence segmentation: library boundaries plus our fix-ups and TTS length bounds."""

from __future__ import annotations

import pytest

from reader_app.books.limits import MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS_CJK
from reader_app.books.segment import split_long, split_sentences


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Mr. Smith met Dr. Watson on Baker St. in London. They talked.",
         ["Mr. Smith met Dr. Watson on Baker St. in London.", "They talked."]),
        ("en", "It cost $3.50, e.g. a latte. The rate was 2.5 percent.",
         ["It cost $3.50, e.g. a latte.", "The rate was 2.5 percent."]),
        ("en", "Wait... what? I saw it... It was late.", ["Wait... what?", "I saw it...", "It was late."]),
        ("en", '"Are you coming?" she asked. "No!" he cried, and left.',
         ['"Are you coming?" she asked.', '"No!" he cried, and left.']),
        ("en", "He said “Hello?” and left. Then he came back.", ["He said “Hello?” and left.", "Then he came back."]),
        ("en", "J. R. R. Tolkien wrote it. Then he slept.", ["J. R. R. Tolkien wrote it.", "Then he slept."]),
        ("zh", "他说：“你好吗？”我很好。今天天气很好！价格是3.5元。",
         ["他说：“你好吗？”", "我很好。", "今天天气很好！", "价格是3.5元。"]),
        ("ja", "「こんにちは。」と彼は言った。今日は晴れです！明日は雨でしょう。",
         ["「こんにちは。」と彼は言った。", "今日は晴れです！", "明日は雨でしょう。"]),
        ("ko", "안녕하세요. 저는 학생입니다! 오늘 날씨가 좋네요?", ["안녕하세요.", "저는 학생입니다!", "오늘 날씨가 좋네요?"]),  # noqa: E501 - test text
        ("de", "Herr Dr. Müller kam z. B. um 3 Uhr. Das ist usw. nicht gut. Er sagte: „Komm her!“ Dann ging er.",
         ["Herr Dr. Müller kam z. B. um 3 Uhr.", "Das ist usw. nicht gut.", "Er sagte: „Komm her!“", "Dann ging er."]),
        ("fr", "M. Dupont est arrivé. « Bonjour ! » dit-il. Il a payé 3,50 €.",
         ["M. Dupont est arrivé.", "« Bonjour ! » dit-il.", "Il a payé 3,50 €."]),
        ("ru", "Г. Иванов пришёл домой. Он сказал: «Привет!» Т. е. всё хорошо. Было 3.5 градуса.",
         ["Г. Иванов пришёл домой.", "Он сказал: «Привет!»", "Т. е. всё хорошо.", "Было 3.5 градуса."]),
        ("es", "El Sr. García llegó. ¿Cómo estás? ¡Muy bien, gracias!",
         ["El Sr. García llegó.", "¿Cómo estás?", "¡Muy bien, gracias!"]),
        ("pt", "O Sr. Silva chegou. Ele disse: \"Olá!\" Depois saiu de casa.",
         ["O Sr. Silva chegou.", 'Ele disse: "Olá!"', "Depois saiu de casa."]),
        ("it", "Il Sig. Rossi è arrivato. Ha detto: «Ciao!» Costa 3,50 euro.",
         ["Il Sig. Rossi è arrivato.", "Ha detto: «Ciao!»", "Costa 3,50 euro."]),
    ],
)
def test_boundaries(lang, text, expected):
    assert split_sentences(text, lang) == expected


def test_tiny_fragments_are_merged():
    assert split_sentences("No. I will not go there today.", "en") == ["No. I will not go there today."]
    # A tiny last fragment joins the sentence before it.
    assert split_sentences("I will not go there today. No.", "en") == ["I will not go there today. No."]
    # A paragraph that is only a tiny fragment stays as it is.
    assert split_sentences("Oh!", "en") == ["Oh!"]
    assert split_sentences("……", "zh") == ["……"]


def test_long_sentence_split_at_clauses_without_breaking_words():
    clause = "the rain fell on the old roof of the house by the river"
    text = "; ".join([clause] * 20) + "."
    pieces = split_sentences(text, "en")
    assert len(pieces) > 1
    assert all(len(p) <= MAX_SENTENCE_CHARS for p in pieces)
    assert " ".join(pieces).replace("  ", " ") == text
    assert all(p.endswith((";", ".")) for p in pieces)  # cut at the semicolons
    words = set(clause.split())
    for p in pieces:
        assert set(p.replace(";", "").replace(".", "").split()) <= words  # no word was cut in two


def test_long_sentence_without_clause_marks_split_at_spaces():
    text = " ".join(["word"] * 200) + "."
    pieces = split_sentences(text, "en")
    assert all(len(p) <= MAX_SENTENCE_CHARS for p in pieces)
    assert all(set(p.rstrip(".").split()) == {"word"} for p in pieces)


def test_long_cjk_sentence_uses_cjk_limit():
    text = "，".join(["我们一起走过了很长很长的路"] * 30) + "。"
    pieces = split_sentences(text, "zh")
    assert len(pieces) > 2 and all(len(p) <= MAX_SENTENCE_CHARS_CJK for p in pieces)
    assert "".join(pieces) == text


def test_text_without_any_break_is_hard_cut():
    pieces = split_long("x" * 650, 300)
    assert [len(p) for p in pieces] == [300, 300, 50]


def test_empty_and_whitespace():
    assert split_sentences("", "en") == []
    assert split_sentences("   ", None) == []


def test_long_quoted_speech_is_split_at_its_sentences():
    text = ('"Well!" thought Alice to herself, "after such a fall as this, I shall think nothing of tumbling down '
            "stairs! How brave they'll all think me at home! Why, I wouldn't say anything about it, even if I fell "
            'off the top of the house!"')
    assert split_sentences(text, "en") == [
        '"Well!" thought Alice to herself, "after such a fall as this, I shall think nothing of tumbling down stairs!',
        "How brave they'll all think me at home!",
        "Why, I wouldn't say anything about it, even if I fell off the top of the house!\"",
    ]
    short = '"Oh dear! Oh dear! I shall be late!" said the Rabbit.'
    assert split_sentences(short, "en") == [short]  # short units stay whole
