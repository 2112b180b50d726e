"""Listening time: the timeline from cached durations and estimates, calibration, ±30 s, formatting."""

from __future__ import annotations

import pytest

from reader_app.narration.config import NarrationConfig
from reader_app.narration.plan import NarrationPlan
from reader_app.narration.timing import (
    DEFAULT_CHARS_PER_S,
    ListeningTimeline,
    build_timeline,
    calibrated_chars_per_s,
    format_clock,
    format_duration,
    timeline_for_plan,
)
from reader_app.tts.engine import VoiceSpec
from tests.support.books import make_book


def timeline(durations, texts=None, chapters=None, pause=1.0, cps=10.0) -> ListeningTimeline:
    n = len(durations)
    texts = texts or ["x" * 20] * n
    chapters = chapters or [0] * n
    return ListeningTimeline(texts, chapters, [pause] * n, durations, cps)


def test_known_durations_and_estimates_lay_end_to_end():
    t = timeline([3.0, None, 5.0])  # the middle one: 20 chars at 10/s = 2 s
    assert [t.start(i) for i in range(4)] == [0.0, 4.0, 7.0, 13.0]
    assert t.total_s() == 13.0 and t.known_share() == pytest.approx(2 / 3)
    assert t.at(1, 0.5) == 4.5 and t.at(1, 99) == 7.0  # an offset stays within its sentence
    assert t.sentence_at(-1) == 0 and t.sentence_at(4.0) == 1 and t.sentence_at(99) == 2
    t.set_duration(1, 6.0)
    assert t.total_s() == 17.0 and t.is_known(1)


def test_chapter_and_book_spans():
    t = timeline([2.0, 2.0, 2.0, 2.0, 2.0], chapters=[0, 0, 1, 1, 1])  # 3 s per sentence with its pause
    chapter = t.chapter(3, 1.0)
    assert (chapter.elapsed_s, chapter.total_s, chapter.left_s) == (4.0, 9.0, 5.0)
    book = t.book(3, 1.0)
    assert (book.elapsed_s, book.total_s, book.left_s) == (10.0, 15.0, 5.0)
    assert t.chapter(0).elapsed_s == 0.0 and t.chapter(1).total_s == 6.0


def test_thirty_seconds_back_and_forward_go_by_sentence():
    t = timeline([9.0] * 10)  # 10 s a sentence with its pause
    assert t.shifted(5, 2.0, 30.0) == 8  # 52 s + 30 = 82 s: sentence 8
    assert t.shifted(5, 2.0, -30.0) == 2  # 22 s: sentence 2
    assert t.shifted(1, 0.0, -30.0) == 0 and t.shifted(8, 0.0, 30.0) == 9  # clamped to the book
    long = timeline([100.0, 5.0, 5.0])
    assert long.shifted(0, 10.0, 30.0) == 1  # forward never returns to the start of a long sentence
    assert long.shifted(0, 60.0, -30.0) == 0  # back within it: its start
    assert long.shifted(1, 2.0, -30.0) == 0


def test_calibration_needs_enough_clips_and_believable_rates():
    assert calibrated_chars_per_s([("x" * 100, 5.0)] * 5) == DEFAULT_CHARS_PER_S  # too few
    assert calibrated_chars_per_s([("x" * 100, 5.0)] * 30) == 20.0
    assert calibrated_chars_per_s([("x" * 100, 0.5)] * 30) == DEFAULT_CHARS_PER_S  # 200 chars/s: not speech
    assert calibrated_chars_per_s([]) == DEFAULT_CHARS_PER_S


def test_timeline_from_a_plan_uses_cached_durations_and_its_pauses():
    book = make_book(n_chapters=2, per_chapter=4)
    config = NarrationConfig(voice=VoiceSpec(speaker="Ryan"), model_id="m", pause_sentence_s=0.25,
                             pause_paragraph_s=0.5, pause_chapter_s=2.0)
    sentences = book.sentences()
    plan = NarrationPlan(sentences, config, lambda keys: set())
    asked = []

    def durations(keys):
        keys = list(keys)
        asked.extend(keys)
        return {keys[0].digest: 4.0}

    t = timeline_for_plan(sentences, plan, durations)
    assert len(asked) == len(sentences) and t.chars_per_s == DEFAULT_CHARS_PER_S
    assert t.clip_s(0) == 4.0 and t.start(1) == 4.25  # its clip, then a sentence pause
    assert t.start(2) - t.start(1) == pytest.approx(len(sentences[1].text) / DEFAULT_CHARS_PER_S + 0.5)
    assert t.chapter(5).total_s == pytest.approx(t.total_s() - t.start(4))
    same = build_timeline(sentences, config, durations)
    assert same.total_s() == t.total_s()


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        ListeningTimeline(["a"], [0], [0.1], [], 10.0)
    with pytest.raises(ValueError):
        timeline([1.0], cps=0.0)
    empty = timeline([])
    assert empty.total_s() == 0.0 and empty.sentence_at(5) == 0 and empty.shifted(0, 0, 30) == 0
    assert empty.book(0).left_s == 0.0


def test_formatting():
    assert format_clock(724) == "12:04" and format_clock(3729) == "1:02:09" and format_clock(-3) == "0:00"
    assert format_duration(40) == "40 s" and format_duration(45 * 60) == "45 min"
    assert format_duration(6 * 3600 + 12 * 60 + 10) == "6 h 12 min" and format_duration(7200) == "2 h"
