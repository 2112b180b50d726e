"""Runaway guard pieces: the shared frame budget, loop detection, silence trimming (numpy only)."""

from __future__ import annotations

import numpy as np

from reader_app.tts.budget import frame_budget
from reader_app.tts.fast.config import FastSettings
from reader_app.tts.fast.guard import LoopDetector
from reader_app.tts.silence import SilenceTrimmer


def test_frame_budget_grows_with_text_and_respects_cap():
    short, long = frame_budget("Yes."), frame_budget("word " * 60)
    assert 8 <= short < long
    assert long >= 60 * 5 * 0.07 * 12.5 * 2  # at least twice a normal reading of the text
    assert frame_budget("word " * 5000, cap=500) == 500
    # one Chinese character is a syllable: more time per character than a Latin letter
    assert frame_budget("你好世界今天天气很好") > frame_budget("abcdefghij")
    assert frame_budget("こんにちは", language="japanese") > frame_budget("こんにちは", language="auto")


def test_fast_engine_defaults_follow_the_shared_budget_rule():
    from reader_app.tts import budget

    settings = FastSettings()
    assert settings.max_frames_per_char == budget.DEFAULT_MAX_FRAMES_PER_CHAR
    assert settings.margin_frames == budget.DEFAULT_MARGIN_FRAMES


def test_loop_detector_flags_exact_repetition_only():
    rng = np.random.default_rng(0)
    det = LoopDetector(window=12, max_period=4)
    assert not any(det.push(rng.integers(0, 2048, 16)) for _ in range(50))
    pattern = [rng.integers(0, 2048, 16) for _ in range(3)]
    flags = [det.push(pattern[i % 3]) for i in range(20)]
    assert flags[-1] and not flags[0]
    assert not LoopDetector(window=0).push(pattern[0])


def test_silence_trimmer_streams_and_trims():
    sr = 1000
    trim = SilenceTrimmer(sr, threshold_db=-40, lead_keep_s=0.01, tail_keep_s=0.02)
    quiet, loud = np.zeros(500, np.float32), np.full(100, 0.5, np.float32)
    out = [trim.push(quiet), trim.push(loud), trim.push(quiet)]
    assert len(out[0]) == 0  # nothing before speech
    assert len(out[1]) == 10 + 100  # short lead-in kept
    assert len(out[2]) == 0 and abs(trim.silence_run_s - 0.5) < 1e-9  # held back
    out.append(trim.push(loud))  # speech resumes: the held pause is released
    assert len(out[3]) == 500 + 100
    tail = trim.finish()
    assert len(tail) == 0
    trim.push(quiet)
    assert len(trim.finish()) == 20  # trailing silence cut to the tail margin
    off = SilenceTrimmer(sr, enabled=False)
    assert len(off.push(quiet)) == 500 and len(off.finish()) == 0
