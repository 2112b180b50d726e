"""Loads the speech engine once, on first need, on whichever (worker) thread asks first.

The GUI thread never calls get(): model loading imports torch and qwen_tts, which takes seconds.

One engine per model folder and options in the process (EngineRegistry): the narrator's provider, the window's
pregeneration and the voice studio ask the same registry, so a model is loaded once and shared, and two loads
never run at once (they hold qwen_import.model_lock(): transformers' loading is not thread-safe). The registry
keeps an engine only while someone holds it (weak references), so a model nobody uses any more is freed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

from reader_app import gc_policy
from reader_app.tts.engine import EngineHost, EngineKind, SpeechEngine
from reader_app.tts.fast.config import FastSettings, WeightFormat  # torch-free
from reader_app.tts.qwen_import import model_lock

log = logging.getLogger(__name__)

HOST_VARIABLE = "READER_APP_ENGINE_HOST"  # overrides the setting (the test suite runs engines inline)

EngineFactory = Callable[[], SpeechEngine]


class EngineRegistry:
    """Loaded engines by key (engine kind, model folder, options), built one at a time."""

    def __init__(self) -> None:
        self._engines: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()  # the table only: held for lookups, never while a model loads

    def get(self, key: str, factory: EngineFactory) -> SpeechEngine:
        """The engine for `key`, built by `factory` if nobody holds one. Concurrent callers with the same key
        wait for one build and share it; builds of different keys run one after the other. A failed build is
        not remembered (the next call tries again)."""
        engine = self._lookup(key)
        if engine is not None:
            return engine
        with model_lock():
            engine = self._lookup(key)  # built by another thread while this one waited
            if engine is None:
                engine = factory()
                with self._lock:
                    try:
                        self._engines[key] = engine
                    except TypeError:  # cannot be weakly referenced (a test double): not shared
                        pass
        return engine

    def _lookup(self, key: str) -> SpeechEngine | None:
        with self._lock:
            return self._engines.get(key)


ENGINES = EngineRegistry()


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


def chosen_host(setting: str = EngineHost.PROCESS) -> EngineHost:
    """Where narration's engine runs: READER_APP_ENGINE_HOST if set, else the setting (engine_host)."""
    value = os.environ.get(HOST_VARIABLE) or setting
    try:
        return EngineHost(value)
    except ValueError:
        raise ValueError(f"unknown engine host {value!r}: use {' or '.join(EngineHost)}") from None


def local_host(setting: str = EngineHost.PROCESS) -> EngineHost:
    """Where an engine of a local model folder runs: chosen_host, except that narration on a speech server
    (REMOTE) leaves local engines (the command line's, the voice studio's) in their own process."""
    host = chosen_host(setting)
    return EngineHost.PROCESS if host == EngineHost.REMOTE else host


def studio_engine(model_path: str, settings: Any, options: dict[str, Any]) -> SpeechEngine:
    """The stock engine of this folder for the voice studio and the lexicon's Listen, where local_host says
    (stock: clone prompts need qwen_tts's own model), shared with anyone in the process holding the same one.
    settings: device, dtype, cpu_threads and engine_host are read; options go to the engine."""
    return qwen_engine_provider(model_path, settings.device, settings.dtype, settings.cpu_threads or None,
                                engine=EngineKind.STOCK, host=local_host(settings.engine_host), **options).get()


def engine_key(engine: str, model_path: str, device: str, dtype: str, threads: int | None,
               options: dict[str, Any], host: EngineHost = EngineHost.INLINE) -> str:
    """What makes two loaded engines the same: the engine, the folder (resolved), placement, options and host."""
    return json.dumps([str(engine), os.path.realpath(model_path), device, dtype, threads, options, str(host)],
                      sort_keys=True, default=repr)


def shared_engine(engine: str, model_path: str, device: str = "auto", dtype: str = "auto",
                  threads: int | None = None, **options: Any) -> SpeechEngine:
    """The engine for this folder and these options, loaded in this process now if nobody here holds it (the
    voice studio goes through studio_engine; the narrator uses qwen_engine_provider). engine: fast or stock."""
    return qwen_engine_provider(model_path, device, dtype, threads, engine=engine, **options).get()


def qwen_engine_provider(model_path: str, device: str = "auto", dtype: str = "auto",
                         threads: int | None = None, engine: str = EngineKind.FAST,
                         host: EngineHost = EngineHost.INLINE, **options: Any) -> EngineProvider:
    """options go to the engine (e.g. max_frames_per_char, greedy, seed). The fast engine is used when it
    accepts every option; if it cannot load this checkpoint, the stock engine takes over with a warning.
    host PROCESS: the engine runs in a child process (reader_app/service), loaded there the same way."""
    if engine not in (EngineKind.FAST, EngineKind.STOCK):
        raise ValueError(f"unknown engine {engine!r}: use fast or stock")
    if host == EngineHost.REMOTE:  # a server has no model folder: its provider is built from its URL
        raise ValueError("a speech server's engine comes from reader_app.tts.remote.provider.remote_engine_provider")
    if host == EngineHost.PROCESS:
        return _process_provider(model_path, device, dtype, threads, engine, options)

    def stock() -> SpeechEngine:
        from reader_app.tts.stock.engine import load_engine  # heavy: torch + qwen_tts

        return load_engine(model_path, device=device, dtype=dtype, threads=threads, **options)

    def build() -> SpeechEngine:
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

    key = engine_key(engine, model_path, device, dtype, threads, options)
    return EngineProvider(lambda: ENGINES.get(key, build))


def _process_provider(model_path: str, device: str, dtype: str, threads: int | None, engine: str,
                      options: dict[str, Any]) -> EngineProvider:
    def build() -> SpeechEngine:
        from reader_app.service.process_engine import ProcessEngine  # torch-free: the model loads in the child
        from reader_app.service.protocol import EngineSpec

        return ProcessEngine(EngineSpec(str(engine), model_path, device, dtype, threads, dict(options))).start()

    key = engine_key(engine, model_path, device, dtype, threads, options, EngineHost.PROCESS)
    return EngineProvider(lambda: ENGINES.get(key, build))


# Options the fast engine takes as keyword arguments (device, dtype and threads are the provider's own).
_FAST_OPTIONS = {f.name for f in dataclasses.fields(FastSettings)} - {"device", "dtype", "threads"}


def settings_engine_options(settings: Any) -> dict[str, Any]:
    """The engine options the user's settings choose besides device, precision and threads (the window's and
    the command line's engines both get them; those that change the audio also key its clips)."""
    weights = WeightFormat(settings.weights)
    return {} if weights == WeightFormat.AUTO else {"weights": str(weights)}
