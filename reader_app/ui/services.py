"""What the windows need from the rest of the app, gathered in one object that tests can build with fakes
(a null audio output, a temporary library, a tiny model)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from reader_app.audio.output import AudioOutput
from reader_app.books.model import Book
from reader_app.narration.config import NarrationConfig
from reader_app.narration.engine_provider import (
    EngineProvider,
    chosen_host,
    local_host,
    qwen_engine_provider,
    settings_engine_options,
)
from reader_app.narration.session import book_narration_config, model_path_or_none
from reader_app.settings import Reload, Settings
from reader_app.tts.engine import EngineError, EngineHost
from reader_app.tts.fast.config import audio_affecting
from reader_app.tts.remote.probe import ServerProbe

if TYPE_CHECKING:  # annotations only: both load when first used
    from reader_app.models.catalog import ModelInfo
    from reader_app.store.library import Library

log = logging.getLogger(__name__)

NO_SERVER = ("No speech server is set: Settings > Settings…, Model tab, Speech server (reader-app serve or "
             "vLLM-Omni, e.g. http://gpu-box:8000).")


class AppServices:
    def __init__(self, settings: Settings, library: Library, output_factory: Callable[[], AudioOutput] | None = None,
                 save_settings: bool = True, engine_options: dict | None = None) -> None:
        self.settings = settings
        self.library = library
        self._output_factory = output_factory
        self._save_settings = save_settings
        self._engine_options = dict(engine_options or {})  # e.g. a short frame budget for random test models
        self._provider: EngineProvider | None = None
        self._provider_source: str | None = None
        self._server_probe = ServerProbe()

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
        """The narration model's description (no torch import), or None; raises EngineError if invalid. With the
        engine on a speech server, the server's model (asked once, quickly: tts/remote/probe.py)."""
        if self.narrates_remotely():
            return self._server_probe.model_info(*self.speech_server())
        return self.local_model_info()

    def local_model_info(self) -> ModelInfo | None:
        """The configured model folder's description, wherever narration runs (the voice studio's models)."""
        path = model_path_or_none(self.settings)
        if path is None:
            return None
        from reader_app.models.catalog import inspect_model

        return inspect_model(path)

    def narrates_remotely(self) -> bool:
        return chosen_host(self.settings.engine_host) == EngineHost.REMOTE

    def speech_server(self) -> tuple[str, str | None]:
        """(URL, token) of the speech server narration uses; EngineError when none is set."""
        if not self.settings.remote_server:
            raise EngineError(NO_SERVER)
        return self.settings.remote_server, self.settings.remote_token or None

    def narration_source(self) -> str:
        """Where narration's audio comes from, as the generation queue remembers it: the speech server's URL or
        the model folder ("" when there is neither)."""
        if self.narrates_remotely():
            return self.settings.remote_server
        return str(model_path_or_none(self.settings) or "")

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
            self._server_probe.forget_failures()
        if "cache_limit_mb" in changed:
            from reader_app.store.records import CacheLimits

            limits = self.library.cache_limits()
            self.library.set_cache_limits(CacheLimits(limits.per_book_bytes, old.cache_limit_mb * 1024 * 1024))
        self.save()
        return changed

    def engine_provider(self) -> EngineProvider | None:
        """Narration's engine (loaded, or the server reached, on first use by a worker thread: never here); None
        without a model or server (model_problem says which)."""
        source = self.narration_source()
        if not source:
            return None
        if self._provider is None or self._provider_source != source:
            self._provider = self._provider_for(source)
            self._provider_source = source
        return self._provider

    def narration_engine_for(self, source: str) -> EngineProvider | None:
        """Narration's own provider when `source` (a model folder or a server URL) is what narrates, else None
        (a dialog listening with another folder loads its own)."""
        narrating = self.narration_source()
        if not narrating or not source:
            return None
        same = source == narrating if _is_server(narrating) else os.path.realpath(source) == os.path.realpath(narrating)
        return self.engine_provider() if same else None

    def source_engine(self, source: str) -> tuple[ModelInfo, EngineProvider]:
        """The model and engine provider of a narration_source() (a queued book remembers its own), for worker
        threads: a server is asked what it serves, a folder is inspected; EngineError says what is wrong."""
        if _is_server(source):
            from reader_app.tts.remote.provider import remote_model_info

            provider = self._provider_for(source)
            return remote_model_info(provider), provider
        from reader_app.models.catalog import inspect_model

        info = inspect_model(source)  # a hub cache entry resolves to its snapshot: the folder the engine loads
        return info, self._provider_for(str(info.path))

    def _provider_for(self, source: str) -> EngineProvider:
        if _is_server(source):
            from reader_app.tts.remote.provider import remote_engine_provider

            token = self.settings.remote_token if source == self.settings.remote_server else ""
            return remote_engine_provider(source, token or None)
        return qwen_engine_provider(source, self.settings.device, self.settings.dtype,
                                    self.settings.cpu_threads or None, host=local_host(self.settings.engine_host),
                                    **self.engine_options)

    # -- narration ---------------------------------------------------------------------------------------
    def narration_config(self, book: Book) -> NarrationConfig:
        try:
            info = self.model_info()
        except EngineError:
            info = None
        return book_narration_config(self.settings, self.library, book, info,
                                     engine_settings=audio_affecting(self.engine_options))


def _is_server(source: str) -> bool:
    return source.startswith(("http://", "https://"))
