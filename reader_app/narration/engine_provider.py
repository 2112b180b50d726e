"""Loads the speech engine once, on first need, on whichever (worker) thread asks first.

The GUI thread never calls get(): model loading imports torch and qwen_tts, which takes seconds.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Any

from reader_app import gc_policy
from reader_app.tts.engine import EngineKind, SpeechEngine
from reader_app.tts.fast.config import FastSettings  # torch-free

log = logging.getLogger(__name__)

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
                # torch, transformers and the model stay for the session: keep full GC passes off them
                gc_policy.freeze_long_lived()
            return self._engine

    @property
    def loaded(self) -> bool:
        return self._engine is not None


def qwen_engine_provider(model_path: str, device: str = "auto", dtype: str = "auto",
                         threads: int | None = None, engine: str = EngineKind.FAST,
                         **options: Any) -> EngineProvider:
    """options go to the engine (e.g. max_frames_per_char, greedy, seed). The fast engine is used when it
    accepts every option; if it cannot load this checkpoint, the stock engine takes over with a warning."""
    if engine not in tuple(EngineKind):
        raise ValueError(f"unknown engine {engine!r}: use fast or stock")

    def stock() -> SpeechEngine:
        from reader_app.tts.stock.engine import load_engine  # heavy: torch + qwen_tts

        return load_engine(model_path, device=device, dtype=dtype, threads=threads, **options)

    def factory() -> SpeechEngine:
        if engine == EngineKind.STOCK:
            return stock()
        unknown = sorted(set(options) - _FAST_OPTIONS)
        if unknown:
            log.info("Using the stock engine: the fast engine has no option(s) %s", ", ".join(unknown))
            return stock()
        try:
            from reader_app.tts.fast import load_fast_engine

            return load_fast_engine(model_path, device=device, dtype=dtype, threads=threads, **options)
        except Exception as exc:  # noqa: BLE001 - any failure of the newer engine: the stock one still narrates
            log.warning("The fast engine could not load %s (%s: %s); using the stock engine.",
                        model_path, type(exc).__name__, exc)
            return stock()

    return EngineProvider(factory)


# Options the fast engine takes as keyword arguments (device, dtype and threads are the provider's own).
_FAST_OPTIONS = {f.name for f in dataclasses.fields(FastSettings)} - {"device", "dtype", "threads"}
