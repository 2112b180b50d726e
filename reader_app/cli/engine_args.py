"""The engine options of every command that narrates (play, pregen, export, regen; serve takes engine_options):
the model, the voice, the engine (fast, stock, or remote: a speech server at --server) and KEY=VALUE options."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from reader_app.cli.errors import UsageError
from reader_app.tts.engine import EngineKind

if TYPE_CHECKING:
    from reader_app.narration.engine_provider import EngineProvider


def model_options(parser: argparse.ArgumentParser) -> None:
    """The model, voice and engine options of every command that narrates (play, pregen, export)."""
    parser.add_argument("--model", default=None, help="Qwen3-TTS checkpoint folder (default: settings or "
                                                      "READER_APP_MODEL)")
    parser.add_argument("--voice", default=None, help="preset speaker or saved voice name")
    parser.add_argument("--device", default=None, help="auto, cuda, mps or cpu")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for the engine (default: settings)")
    parser.add_argument("--engine", choices=list(EngineKind), default=EngineKind.FAST,
                        help="fast (streaming; default), stock qwen_tts generation, or remote (a speech server: "
                        "--server)")
    parser.add_argument("--server", default=None, metavar="URL",
                        help="speech server for --engine remote: reader-app serve or vLLM-Omni, e.g. "
                        "http://gpu-box:8000 (default: settings)")
    parser.add_argument("--token", default=None, help="the server's token (sent as 'Authorization: Bearer')")
    parser.add_argument("--engine-option", action="append", default=[], metavar="KEY=VALUE",
                        help="engine option, e.g. max_frames_per_char=0.05 (advanced; repeatable)")


def engine_options(pairs: list[str]) -> dict:
    """KEY=VALUE strings -> typed values (int, float, true/false, else text)."""
    options: dict = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--engine-option wants KEY=VALUE (got {pair!r})")
        value: object = text
        for cast in (int, float):
            try:
                value = cast(text)
                break
            except ValueError:
                pass
        if text.lower() in ("true", "false"):
            value = text.lower() == "true"
        options[key] = value
    return options


def remote_provider(args: argparse.Namespace, settings) -> EngineProvider | None:
    """The speech server's engine provider for --engine remote (None otherwise); reaching it is checked now."""
    if args.engine != EngineKind.REMOTE:
        return None
    from reader_app.tts.remote.provider import remote_engine_provider

    server = args.server or settings.remote_server
    if not server:
        raise UsageError("--engine remote needs --server URL (reader-app serve or vLLM-Omni, e.g. "
                         "http://gpu-box:8000)")
    provider = remote_engine_provider(server, args.token or settings.remote_token or None)
    provider.get()  # EngineError with the reason when the server cannot be reached
    return provider
