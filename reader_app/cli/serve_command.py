"""`reader-app serve`: the fast engine over HTTP, OpenAI's speech API with vLLM-Omni's Qwen3-TTS fields
(docs/serve.md). Requests from every client share one continuous batch."""

from __future__ import annotations

import argparse
import sys
import threading


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="serve the speech engine over HTTP (OpenAI / vLLM-Omni API)",
                                  description="Serve a Qwen3-TTS model over HTTP: POST /v1/audio/speech, "
                                  "/v1/audio/speech/batch, GET /v1/audio/voices, /v1/models, /health.")
    serve.add_argument("--model", metavar="DIR", help="model folder (default: $READER_APP_MODEL or settings)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine "
                                                           "only; any other needs --token)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free port)")
    serve.add_argument("--token", default=None, help="clients must send 'Authorization: Bearer TOKEN'")
    serve.add_argument("--max-batch", type=int, default=8, help="sentences decoded together (default 8)")
    serve.add_argument("--device", default="auto", help="auto, cuda, mps or cpu")
    serve.add_argument("--threads", type=int, default=None, help="CPU threads for the engine")
    serve.add_argument("--engine-option", action="append", default=[], metavar="KEY=VALUE",
                       help="engine option, e.g. max_frames=400 (advanced; repeatable)")
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from reader_app.cli.engine_args import engine_options
    from reader_app.cli.errors import UsageError
    from reader_app.cli.speak_command import model_folder
    from reader_app.models.catalog import inspect_model
    from reader_app.narration.engine_provider import qwen_engine_provider, settings_engine_options
    from reader_app.server.http_api import check_binding, serve
    from reader_app.settings import Settings

    if args.max_batch < 1:
        raise UsageError("--max-batch must be at least 1")
    try:
        check_binding(args.host, args.token)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    folder = model_folder(args)
    if folder is None:
        raise UsageError("serve needs a model: pass --model DIR or set READER_APP_MODEL")
    info = inspect_model(folder)
    options = {**settings_engine_options(Settings.load()), **engine_options(args.engine_option),
               "max_batch": args.max_batch}
    engine = qwen_engine_provider(str(info.path), args.device, "auto", args.threads, **options).get()
    try:
        server = serve(engine, info, args.host, args.port, args.token, args.max_batch)
    except OSError as exc:
        raise UsageError(f"Cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    print(f"Serving {info.path.name} ({info.kind}) at {server.url} (Ctrl+C stops)", file=sys.stderr, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
