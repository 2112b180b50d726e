"""Loads the speech engine once, on first need, on whichever (worker) thread asks first.

The GUI thread never calls get(): model loading imports torch and qwen_tts, which takes seconds.
"""

from __future__ import annotations

import threading
from typing import Callable

from reader_app.tts.engine import SpeechEngine

EngineFactory = Callable[[], SpeechEngine]


class EngineProvider:
    def __init__(self, factory: EngineFactory) -> None:
        self._factory = factory
        self._engine: SpeechEngine | None = None
        self._error: Exception | None = None
        self._lock = threading.Lock()
        self.loads = 0  # how many times the factory ran (tests check that replay never loads a model)

    def __call__(self) -> SpeechEngine:
        return self.get()

    def get(self) -> SpeechEngine:
        with self._lock:
            if self._engine is None:
                self.loads += 1
                self._engine = self._factory()
            return self._engine

    @property
    def loaded(self) -> bool:
        return self._engine is not None


def qwen_engine_provider(model_path: str, device: str = "auto", dtype: str = "auto",
                         threads: int | None = None, **options) -> EngineProvider:
    """options go to the engine (e.g. max_frames_per_char, greedy, seed)."""
    def factory() -> SpeechEngine:
        from reader_app.tts.qwen_engine import load_engine  # heavy: torch + qwen_tts

        return load_engine(model_path, device=device, dtype=dtype, threads=threads, **options)

    return EngineProvider(factory)
