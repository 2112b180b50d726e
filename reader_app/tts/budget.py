"""Runaway guard: how many codec frames a sentence may take, from its text alone (pure, no torch).

Qwen3-TTS sometimes misses its end-of-speech token and then talks for minutes (the published default
max_new_tokens is 8192 frames, 11 minutes). Every request therefore gets a frame budget: about three times a
slow narrator's duration for the text, plus a margin, so real speech is never cut while a runaway stops early.
"""

from __future__ import annotations

import math

FRAME_RATE = 12.5  # codec frames per second of audio (1920 samples at 24 kHz)
SAMPLES_PER_FRAME = 1920

# A slow narrator says about 10 Latin characters a second: 1.25 frames per character. Three times that.
DEFAULT_MAX_FRAMES_PER_CHAR = 3.75
DEFAULT_MARGIN_FRAMES = 25  # 2 s: short texts ("Yes.") and breaths at the edges
# The one hard cap, for both engines: 4 minutes. A parsed sentence (at most 300 characters, 120 CJK) budgets
# under 1,400 frames, so this only bounds texts that bypass the parser; 3000 was the fast engine's cap, which
# is part of its clip keys (keeping it keeps users' cached audio valid).
HARD_CAP_FRAMES = 3000


def _char_weight(ch: str) -> float:
    """How long a character takes to say, relative to one Latin letter."""
    code = ord(ch)
    if ch.isspace():
        return 0.3
    if (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x3040 <= code <= 0x30FF
            or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FFFF):
        return 3.0  # one CJK character or kana is a syllable: ~3 Latin letters of speech time
    if 0xAC00 <= code <= 0xD7AF:
        return 2.5  # one Hangul block is a syllable, spoken slightly faster than a Chinese one
    if ch.isdigit():
        return 3.0  # "1999" is read as "nineteen ninety-nine"
    if ch.isalpha():
        return 1.0
    return 0.5  # punctuation: pauses, not words


def spoken_length(text: str) -> float:
    """Text length in Latin-letter equivalents of speaking time."""
    return sum(_char_weight(ch) for ch in text)


# Languages spoken with fewer characters per second than the script weights assume.
_LANGUAGE_FACTOR = {"japanese": 1.15, "korean": 1.1}


def frame_budget(text: str, max_frames_per_char: float = DEFAULT_MAX_FRAMES_PER_CHAR,
                 margin_frames: int = DEFAULT_MARGIN_FRAMES, cap: int = HARD_CAP_FRAMES,
                 language: str = "auto") -> int:
    """The most audio frames a request for `text` may produce (both engines use this one rule)."""
    length = spoken_length(text) * _LANGUAGE_FACTOR.get(language.lower(), 1.0)
    frames = math.ceil(length * max_frames_per_char) + margin_frames
    return max(1, min(cap, frames))


def max_new_tokens(frames: int) -> int:
    """generate() returns N-1 frames for N new tokens (the last one is the stop step)."""
    return frames + 1
