"""`reader-app serve`'s HTTP face: OpenAI's /v1/audio/speech with vLLM-Omni's Qwen3-TTS fields, the voices, a batch
endpoint and /health, on the standard library's threading HTTP server (one thread per connection; the engine
has its own, scheduler.py). Loopback unless a token guards it; bodies and inputs are bounded."""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import queue
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from reader_app.models.catalog import ModelInfo
from reader_app.server.audio_format import CONTENT_TYPES, ResponseFormat, encode, pcm16, wav_stream_header
from reader_app.server.batch import run_batch
from reader_app.server.scheduler import DONE, SpeechScheduler
from reader_app.server.speech_request import MODEL_TASK, ApiError, SpeechJob, parse_speech
from reader_app.tts.engine import EngineError, SpeechEngine, StreamEvent

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 12 << 20  # a JSON body with an 8 MiB recording in base64
JOB_TIMEOUT_S = 1800.0  # a job that produces nothing for this long is given up (the engine is stuck)


class SpeechServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], engine: SpeechEngine, model: ModelInfo, token: str | None,
                 max_batch: int) -> None:
        super().__init__(address, SpeechHandler)
        self.engine, self.model, self.token, self.max_batch = engine, model, token, max_batch
        self.scheduler = SpeechScheduler(engine)
        self.model_name = model.path.name

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}" if isinstance(host, str) else f"http://{host.decode()}:{port}"

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "model": self.model_name, "model_id": self.engine.model_id,
                "model_kind": str(self.model.kind), "task_type": str(MODEL_TASK[self.model.kind]),
                "sample_rate": self.engine.sample_rate, "max_batch": self.max_batch,
                "feed_runs": self.scheduler.runs, "voices": list(self.model.speakers),
                "languages": list(self.model.languages)}

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is routine; anything else is logged once, the server keeps serving."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return
        log.exception("request from %s failed", client_address)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.scheduler.close()


def check_binding(host: str, token: str | None) -> None:
    """A server reachable from other machines must have a token."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not token:
        raise ValueError(f"Serving on {host} makes the engine reachable from other machines: pass --token TOKEN "
                         "(clients send it as 'Authorization: Bearer TOKEN'), or bind 127.0.0.1.")


def serve(engine: SpeechEngine, model: ModelInfo, host: str = "127.0.0.1", port: int = 8000,
          token: str | None = None, max_batch: int = 8) -> SpeechServer:
    """Starts serving on a background thread and returns the server (port 0: any free port)."""
    check_binding(host, token)
    server = SpeechServer((host, port), engine, model, token, max_batch)
    threading.Thread(target=server.serve_forever, name="speech-http", daemon=True).start()
    return server


class SpeechHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked transfer for streams, keep-alive for clients
    server: SpeechServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # one line per request on stderr is noise for an app's child; errors are answered in JSON

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if not self._authorized():
            return
        path = self.path.split("?")[0]
        if path == "/health":
            self._json(200, self.server.health())
        elif path == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": self.server.model_name, "object": "model",
                                                         "owned_by": "reader-app"}]})
        elif path == "/v1/audio/voices":
            self._json(200, {"voices": list(self.server.model.speakers), "uploaded_voices": []})
        else:
            self._error(ApiError(404, f"No such endpoint: GET {path}", "not_found"))

    def do_POST(self) -> None:  # noqa: N802
        if not self._authorized():
            return
        path = self.path.split("?")[0]
        try:
            body = self._body()
            if path == "/v1/audio/speech":
                self._speech(body)
            elif path == "/v1/audio/speech/batch":
                self._batch(body)
            else:
                raise ApiError(404, f"No such endpoint: POST {path}", "not_found")
        except ApiError as exc:
            self._error(exc)

    # -- endpoints -------------------------------------------------------------------------------------------
    def _speech(self, body: Any) -> None:
        job = parse_speech(body, self.server.model)
        try:
            if job.stream:
                self._stream(job)
                return
            samples = self._at_speed(self._collect(job), job)
            self._send(200, CONTENT_TYPES[job.response_format],
                       encode(samples, self.server.engine.sample_rate, job.response_format))
        finally:
            job.discard()

    def _batch(self, body: Any) -> None:
        server = self.server
        self._json(200, run_batch(body, server.model, server.scheduler, server.engine.sample_rate, self._drain,
                                  self._at_speed))

    @staticmethod
    def _at_speed(samples: np.ndarray, job: SpeechJob) -> np.ndarray:
        if job.speed == 1.0:
            return samples
        from reader_app.audio.stretch import time_stretch

        return time_stretch(samples, job.speed)

    def _collect(self, job: SpeechJob) -> np.ndarray:
        return self._drain(*self.server.scheduler.submit([job.request]))

    def _drain(self, job_id: int, events: queue.Queue[Any]) -> np.ndarray:
        pieces = [event.chunk.samples for event in self._events(job_id, events)]
        return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)

    def _events(self, job_id: int, events: queue.Queue[Any]):
        while True:
            try:
                item = events.get(timeout=JOB_TIMEOUT_S)
            except queue.Empty:
                self.server.scheduler.cancel(job_id)
                raise ApiError(504, "The engine produced nothing for too long.", "timeout", "server_error") from None
            if item is DONE:
                return
            if isinstance(item, EngineError):
                raise ApiError(400, str(item), "engine_refused")
            if isinstance(item, Exception):
                raise ApiError(500, f"The engine failed: {item}", "engine_error", "server_error")
            assert isinstance(item, StreamEvent)
            yield item

    def _stream(self, job: SpeechJob) -> None:
        job_id, events = self.server.scheduler.submit([job.request])
        stream = self._events(job_id, events)
        first = next(stream, None)  # an error before any audio is still a proper JSON answer (ApiError)
        rate = self.server.engine.sample_rate
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPES[job.response_format])
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Sample-Rate", str(rate))
        self.end_headers()
        try:
            if job.response_format is ResponseFormat.WAV:
                self._chunk(wav_stream_header(rate))
            if first is not None:
                self._chunk(pcm16(first.chunk.samples))
            for event in stream:
                self._chunk(pcm16(event.chunk.samples))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client went away: its sentence stops
            self.server.scheduler.cancel(job_id)
            self.close_connection = True
        except ApiError:  # failed mid-stream: the truncated chunked body tells the client
            self.close_connection = True

    # -- plumbing ---------------------------------------------------------------------------------------------
    def _authorized(self) -> bool:
        token = self.server.token
        if not token:
            return True
        given = self.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
        self._error(ApiError(401, "A valid 'Authorization: Bearer TOKEN' header is required.", "invalid_token",
                             "authentication_error"))
        return False

    def _body(self) -> Any:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise ApiError(411, "Content-Length is required.", "length_required") from None
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise ApiError(413, f"The body is over {MAX_BODY_BYTES >> 20} MiB.", "body_too_large")
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiError(400, f"The body is not valid JSON: {exc}", "invalid_json") from None

    def _chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, "application/json", json.dumps(payload).encode())

    def _error(self, error: ApiError) -> None:
        try:
            self._json(error.status, error.body())
        except (BrokenPipeError, ConnectionResetError):
            pass

