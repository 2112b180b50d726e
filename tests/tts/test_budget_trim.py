"""Pure helpers: the runaway frame budget and edge-silence trimming."""

from __future__ import annotations

import numpy as np

from reader_app.tts.budget import (
    FRAME_RATE,
    HARD_CAP_FRAMES,
    frame_budget,
    max_new_tokens,
    spoken_length,
)
from reader_app.tts.silence import trim_silence


def test_budget_covers_slow_speech_but_stops_runaways() -> None:
    sentence = "It was the best of times, it was the worst of times, it was the age of wisdom."
    frames = frame_budget(sentence)
    natural_s = len(sentence) / 14  # an ordinary narrator, ~14 characters a second
    assert frames / FRAME_RATE > 2.5 * natural_s  # never cuts real speech
    assert frames / FRAME_RATE < 60  # a runaway stops within a minute, not after 11
    assert frame_budget("x" * 100_000) == HARD_CAP_FRAMES
    assert max_new_tokens(10) == 11


def test_cjk_counts_per_character() -> None:
    assert spoken_length("你好世界") >= 3 * spoken_length("abcd") - 1e-9
    assert frame_budget("今天天气很好。") > frame_budget("Today.")


def test_trim_keeps_speech_and_a_short_pad() -> None:
    sr = 24_000
    tone = 0.5 * np.sin(np.arange(sr) / 5).astype(np.float32)
    padded = np.concatenate([np.zeros(sr, np.float32), tone, np.zeros(sr // 2, np.float32)])
    trimmed = trim_silence(padded, sr)
    assert sr <= trimmed.size <= sr + 2 * int(0.04 * sr) + 480
    silent = np.zeros(sr, np.float32)
    assert trim_silence(silent, sr) is silent  # nothing to keep: unchanged
    assert trim_silence(np.zeros(0, np.float32), sr).size == 0


def test_whole_clip_trim_judges_silence_against_the_clip_itself() -> None:
    """The stock engine's rule: silence is relative to the clip's loudest 10 ms, so a quiet clip is still
    trimmed and a noise floor under a loud voice goes, where a fixed -45 dBFS sample threshold keeps both."""
    sr = 24_000
    rng = np.random.default_rng(0)
    quiet = 0.003 * np.sin(np.arange(sr) / 5).astype(np.float32)  # about -53 dBFS
    padded = np.concatenate([np.zeros(sr, np.float32), quiet, np.zeros(sr // 2, np.float32)])
    assert trim_silence(padded, sr).size == sr + 2 * int(0.04 * sr)
    noise = (0.003 * rng.standard_normal(sr)).astype(np.float32)  # a -50 dB floor under a loud tone
    loud = 0.5 * np.sin(np.arange(sr) / 5).astype(np.float32)
    assert trim_silence(np.concatenate([noise, loud, noise]), sr).size == sr + 2 * int(0.04 * sr)
