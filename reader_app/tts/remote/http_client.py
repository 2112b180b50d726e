"""HTTP for the remote engine: JSON calls and streamed speech, with the retry policy in one place.

429 and 5xx answers and connection failures are retried with exponential backoff (bounded); a 4xx is the
request's own fault and is never retried: its message is raised as an EngineError. Only the standard library."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.client import HTTPResponse
from typing import Any

from reader_app.tts.engine import EngineError

ATTEMPTS = 4
BACKOFF_S = 0.5  # then 1, 2 s
TIMEOUT_S = 300.0


class RetryableError(Exception):
    """A failure worth another try (the server was busy or down)."""


class SpeechServerClient:
    def __init__(self, url: str, token: str | None = None, attempts: int = ATTEMPTS, backoff_s: float = BACKOFF_S,
                 timeout_s: float = TIMEOUT_S, sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self._sleep = sleep
        self.retries = 0  # how many calls were tried again (tests, diagnostics)

    def get_json(self, path: str) -> Any:
        with self._with_retries(lambda: self._open("GET", path, None)) as response:
            return json.loads(response.read() or b"null")

    def post(self, path: str, body: dict[str, Any]) -> HTTPResponse:
        """The open response (stream it or read it); the caller closes it."""
        data = json.dumps(body).encode()
        return self._with_retries(lambda: self._open("POST", path, data))

    def _open(self, method: str, path: str, data: bytes | None) -> HTTPResponse:
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            return urllib.request.urlopen(request, timeout=self.timeout_s)  # noqa: S310 - the user's own server
        except urllib.error.HTTPError as error:
            message = _error_message(error)
            if error.code == 429 or error.code >= 500:
                raise RetryableError(f"{error.code}: {message}") from None
            raise EngineError(f"The speech server at {self.url} refused the request ({error.code}): "
                              f"{message}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RetryableError(str(reason)) from None

    def _with_retries(self, call: Callable[[], HTTPResponse]) -> HTTPResponse:
        last = ""
        for attempt in range(self.attempts):
            if attempt:
                self.retries += 1
                self._sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                return call()
            except RetryableError as error:
                last = str(error)
        tries = "one try" if self.attempts == 1 else f"{self.attempts} tries"
        raise EngineError(f"The speech server at {self.url} did not answer ({last}) after {tries}.")


def _error_message(error: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(error.read() or b"{}")
    except (ValueError, OSError):
        return error.reason or "no reason given"
    detail = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        return str(detail.get("message") or detail)
    return str(detail)
