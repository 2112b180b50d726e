"""What a speech server serves, asked the quick way for the window (which asks from its own thread, often).

The narration engine's client retries for seconds and waits minutes for a long take; the window must not. A probe
asks once, with a short timeout, and remembers the answer per server and token for the session; a failure is
remembered for a few seconds only, so a server started after the app is found on the next look."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from reader_app.models.catalog import ModelInfo
from reader_app.tts.engine import EngineError
from reader_app.tts.remote.http_client import SpeechServerClient

PROBE_TIMEOUT_S = 4.0
FAILURE_MEMORY_S = 10.0


class ServerProbe:
    def __init__(self, timeout_s: float = PROBE_TIMEOUT_S, failure_memory_s: float = FAILURE_MEMORY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout_s = timeout_s
        self.failure_memory_s = failure_memory_s
        self._clock = clock
        self._known: dict[tuple[str, str], ModelInfo] = {}
        self._failed: dict[tuple[str, str], tuple[float, str]] = {}
        self._lock = threading.Lock()  # one question at a time: a second asker gets the first one's answer
        self.asked = 0  # how many times a server was actually asked (tests)

    def model_info(self, url: str, token: str | None = None) -> ModelInfo:
        """The server's model as narration knows models; EngineError (one line) when it cannot be reached."""
        from reader_app.tts.remote.engine import RemoteEngine

        key = (url.rstrip("/"), token or "")
        with self._lock:
            if key in self._known:
                return self._known[key]
            failed = self._failed.get(key)
            if failed is not None and self._clock() - failed[0] < self.failure_memory_s:
                raise EngineError(failed[1])
            self.asked += 1
            client = SpeechServerClient(url, token, attempts=1, timeout_s=self.timeout_s)
            try:
                info = RemoteEngine(url, token, client=client).model_info()
            except EngineError as exc:
                self._failed[key] = (self._clock(), str(exc))
                raise
            self._failed.pop(key, None)
            self._known[key] = info
            return info

    def forget_failures(self) -> None:
        """Ask again at the next look (the user has just changed the settings, or started the server)."""
        with self._lock:
            self._failed.clear()
