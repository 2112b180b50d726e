"""The engine process's queue of sentences: every job's requests in one feed, most urgent first.

The fast engine decodes from it continuously (tts.engine.FeedingSpeechEngine): when a slot frees, it takes the
next request, whichever job it belongs to, so the narrator's sentence joins a batch that pregeneration keeps
full instead of waiting for that batch to end. Urgency is the request's `priority` (lower first), then arrival.
A cancelled job's waiting requests are dropped and its started ones are stopped at the engine's next window.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from reader_app.tts.engine import FeedingSpeechEngine, StreamEvent, SynthesisRequest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """Where a feed key's audio goes: request `index` of job `job`."""

    job: int
    index: int


class JobFeed:
    """Thread-safe: jobs arrive and are cancelled on the pipe's thread while the engine takes from it."""

    def __init__(self, on_fail: Callable[[int, Exception], None]) -> None:
        self._on_fail = on_fail  # (job, error): one of its requests could not be started
        self._cond = threading.Condition()
        self._heap: list[tuple[int, int, int]] = []  # (priority, arrival, key) of waiting requests
        self._requests: dict[int, SynthesisRequest] = {}  # waiting, by key
        self._places: dict[int, Place] = {}  # waiting or started, by key
        self._open: dict[int, set[int]] = {}  # job -> its keys not finished yet
        self._started: set[int] = set()
        self._cancelled: set[int] = set()  # jobs
        self._keys = itertools.count()
        self.held = False  # while set, take() hands out nothing: the batch drains (a take must run alone)

    # -- the pipe's side -------------------------------------------------------------------------------------------
    def add(self, job: int, requests: Sequence[SynthesisRequest]) -> None:
        with self._cond:
            keys = self._open.setdefault(job, set())
            for index, request in enumerate(requests):
                key = next(self._keys)
                keys.add(key)
                self._places[key] = Place(job, index)
                self._requests[key] = request
                heapq.heappush(self._heap, (request.priority, key, key))
            self._cond.notify_all()

    def cancel(self, job: int) -> None:
        with self._cond:
            if job not in self._open:
                return
            self._cancelled.add(job)
            for key in list(self._open[job]):
                if key not in self._started:  # never started: forgotten now (take() skips its heap entry)
                    self._forget(key)

    # -- the engine's side (tts.engine.RequestFeed) ------------------------------------------------------------------
    def take(self, n: int) -> list[tuple[int, SynthesisRequest]]:
        out: list[tuple[int, SynthesisRequest]] = []
        with self._cond:
            while self._heap and len(out) < n and not self.held:
                _, _, key = heapq.heappop(self._heap)
                request = self._requests.pop(key, None)
                if request is None:  # cancelled while waiting
                    continue
                self._started.add(key)
                out.append((key, request))
        return out

    def stops(self) -> list[int]:
        with self._cond:
            return [key for key in self._started if self._places[key].job in self._cancelled]

    def fail(self, key: int, error: Exception) -> None:
        with self._cond:
            place = self._places.get(key)
            if place is None or place.job in self._cancelled:
                return
        self._on_fail(place.job, error)
        self.cancel(place.job)  # the job has failed: the rest of it is not wanted
        with self._cond:
            if key in self._places:  # started, but the engine dropped it: no event will end it
                self._forget(key)

    # -- bookkeeping ----------------------------------------------------------------------------------------------
    def place(self, key: int) -> Place | None:
        """Where the audio of `key` goes; None once its job was cancelled (its late audio is dropped)."""
        with self._cond:
            place = self._places.get(key)
            return None if place is None or place.job in self._cancelled else place

    def finished(self, key: int) -> bool:
        """Request `key` has ended; True when that was the last open request of a live job."""
        with self._cond:
            place = self._places.get(key)
            if place is None:
                return False
            live = place.job not in self._cancelled
            self._forget(key)
            return live and place.job not in self._open

    def abandon_started(self) -> list[int]:
        """The decoding loop broke: the jobs with a started request (they fail; waiting ones stay queued)."""
        with self._cond:
            jobs = sorted({self._places[key].job for key in self._started} - self._cancelled)
        for job in jobs:
            self.cancel(job)
        with self._cond:
            for key in list(self._started):
                self._forget(key)
        return jobs

    def has_waiting(self) -> bool:
        with self._cond:
            return bool(self._requests)

    def wait(self, timeout_s: float) -> None:
        with self._cond:
            self._cond.wait(timeout_s)

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _forget(self, key: int) -> None:
        place = self._places.pop(key)
        self._requests.pop(key, None)
        self._started.discard(key)
        keys = self._open.get(place.job)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._open[place.job]
                self._cancelled.discard(place.job)


def run_feed(engine: FeedingSpeechEngine, feed: JobFeed, deliver: Callable[[Place, StreamEvent], object],
             done: Callable[[int], object], failed: Callable[[int, Exception], object]) -> None:
    """Decodes the feed until it is empty, handing each event to its job (`deliver`, with the job's own request
    index), `done(job)` after a job's last request and `failed(job, error)` for the jobs in flight if the
    decoding loop itself breaks (their waiting requests stay queued for the next run)."""
    try:
        for event in engine.synthesize_feed(feed):
            place = feed.place(event.index)
            if place is None:  # its job was cancelled: its audio is dropped
                if event.is_last:
                    feed.finished(event.index)
                continue
            deliver(place, replace(event, index=place.index))
            if event.is_last and feed.finished(event.index):
                done(place.job)
    except Exception as exc:  # noqa: BLE001 - model code may raise anything: the jobs in flight fail, not the loop
        log.exception("the continuous batch failed")
        error = RuntimeError(f"{type(exc).__name__}: {' '.join(str(exc).split())}")
        for job in feed.abandon_started():
            failed(job, error)
