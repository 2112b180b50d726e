"""What the windows need from the rest of the app, gathered in one object that tests can build with fakes
(a null audio output, a temporary library, a tiny model)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from reader_app.audio.output import AudioOutput
from reader_app.books.model import Book
from reader_app.narration.config import NarrationConfig
from reader_app.narration.engine_provider import (
    EngineProvider,
    chosen_host,
    qwen_engine_provider,
    settings_engine_options,
)
from reader_app.narration.session import book_narration_config, model_path_or_none
from reader_app.settings import Reload, Settings
from reader_app.tts.engine import EngineError
from reader_app.tts.fast.config import audio_affecting

if TYPE_CHECKING:  # annotations only: both load when first used
    from reader_app.models.catalog import ModelInfo
    from reader_app.store.library import Library

log = logging.getLogger(__name__)


class AppServices:
    def __init__(self, settings: Settings, library: Library, output_factory: Callable[[], AudioOutput] | None = None,
                 save_settings: bool = True, engine_options: dict | None = None) -> None:
        self.settings = settings
        self.library = library
        self._output_factory = output_factory
        self._save_settings = save_settings
        self._engine_options = dict(engine_options or {})  # e.g. a short frame budget for random test models
        self._provider: EngineProvider | None = None
        self._provider_path: str | None = None

    @property
    def engine_options(self) -> dict:
        """Options every engine this app creates gets (a copy: callers may add their own)."""
        return {**settings_engine_options(self.settings), **self._engine_options}

    def make_output(self) -> AudioOutput:
        if self._output_factory is not None:
            return self._output_factory()
        from reader_app.audio.sounddevice_output import open_output

        return open_output(self.settings.audio_output)

    # -- model -------------------------------------------------------------------------------------------
    def model_info(self) -> ModelInfo | None:
        """The configured model's description (no torch import), or None; raises EngineError if invalid."""
        path = model_path_or_none(self.settings)
        if path is None:
            return None
        from reader_app.models.catalog import inspect_model

        return inspect_model(path)

    def model_problem(self) -> str | None:
        try:
            info = self.model_info()
        except EngineError as exc:
            return str(exc)
        return "No voice model is configured." if info is None else None

    def set_model_path(self, folder: str) -> None:
        from reader_app.models.catalog import inspect_model

        self.use_model(inspect_model(folder))  # raises EngineError with the reason when the folder is unusable

    def use_model(self, info: ModelInfo) -> None:
        """Make a verified checkpoint (a ModelInfo) the current model, remembered for its kind and size."""
        self.settings.remember_model(info.kind, info.size, str(info.path))
        self.save()

    def save(self) -> None:
        if self._save_settings:
            self.settings.save()

    def apply_settings(self, new: Settings) -> set[str]:
        """Adopt edited settings; returns the names that changed. A new model kind/size switches to the
        folder remembered for it; engine settings drop the loaded engine; the cache limit goes to the store."""
        old = self.settings
        changed = {f for f in vars(new) if getattr(new, f) != getattr(old, f)}
        if {"model_kind", "model_size"} & changed and "model_path" not in changed:
            folder = new.folder_for(new.model_kind, new.model_size)
            if folder:
                new.model_path = folder
                changed.add("model_path")
        for name, value in vars(new).items():
            setattr(old, name, value)  # the same object stays shared with whoever holds it
        if Settings.names_reloading(Reload.ENGINE) & changed:
            self._provider = None
        if "cache_limit_mb" in changed:
            from reader_app.store.records import CacheLimits

            limits = self.library.cache_limits()
            self.library.set_cache_limits(CacheLimits(limits.per_book_bytes, old.cache_limit_mb * 1024 * 1024))
        self.save()
        return changed

    def engine_provider(self) -> EngineProvider | None:
        path = model_path_or_none(self.settings)
        if path is None:
            return None
        if self._provider is None or self._provider_path != str(path):
            threads = self.settings.cpu_threads or None
            self._provider = qwen_engine_provider(str(path), self.settings.device, self.settings.dtype, threads,
                                                  host=chosen_host(self.settings.engine_host),
                                                  **self.engine_options)
            self._provider_path = str(path)
        return self._provider

    # -- narration ---------------------------------------------------------------------------------------
    def narration_config(self, book: Book) -> NarrationConfig:
        try:
            info = self.model_info()
        except EngineError:
            info = None
        return book_narration_config(self.settings, self.library, book, info,
                                     engine_settings=audio_affecting(self.engine_options))
