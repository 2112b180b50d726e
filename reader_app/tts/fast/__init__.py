"""Fast Qwen3-TTS decoding engine: our own loop over qwen_tts's talker, code predictor and codec.

Importing this package is cheap (no torch): `FastEngine` and `load_fast_engine` load lazily on first access.
See docs/engine.md for the design, the parity guarantees and measured speed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reader_app.tts.fast.config import FastSettings, SamplingSettings

if TYPE_CHECKING:
    from reader_app.tts.fast.engine import FastEngine, load_fast_engine

__all__ = ["FastEngine", "FastSettings", "SamplingSettings", "load_fast_engine"]


def __getattr__(name: str) -> Any:
    if name in ("FastEngine", "load_fast_engine"):
        from reader_app.tts.fast import engine

        return getattr(engine, name)
    raise AttributeError(name)
