"""The engine provider for a speech server (`reader-app serve` or vLLM-Omni): one RemoteEngine per URL and token
in the process, shared through narration's engine registry like every local engine. Building it asks the server
what it serves (/health, else /v1/models), so an unreachable server is said when narration first needs it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from reader_app.tts.engine import SpeechEngine

if TYPE_CHECKING:
    from reader_app.models.catalog import ModelInfo
    from reader_app.narration.engine_provider import EngineProvider


def remote_engine_provider(url: str, token: str | None = None) -> EngineProvider:
    from reader_app.narration.engine_provider import ENGINES, EngineProvider

    def build() -> SpeechEngine:
        from reader_app.tts.remote.engine import RemoteEngine

        return RemoteEngine(url, token)

    key = json.dumps(["remote", url.rstrip("/"), token or ""])
    return EngineProvider(lambda: ENGINES.get(key, build))


def remote_model_info(provider: EngineProvider) -> ModelInfo:
    """The server's model as narration knows models (kind and voices for the voice check, id for clip keys)."""
    from reader_app.tts.remote.engine import RemoteEngine

    engine = provider.get()
    assert isinstance(engine, RemoteEngine), "a remote provider builds a RemoteEngine"
    return engine.model_info()
