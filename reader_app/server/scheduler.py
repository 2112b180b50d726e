"""One thread owns the engine; every HTTP request is a job in one continuous feed (service/feed.py), so requests
from many clients share the engine's batch: a request that arrives while others decode takes the next free slot.
Each job's stream events go to its own queue, read by the HTTP thread that serves that client."""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Sequence
from typing import Any

from reader_app.service.feed import JobFeed, run_feed
from reader_app.tts.engine import (
    AudioChunk,
    FeedingSpeechEngine,
    SpeechEngine,
    StreamEvent,
    SynthesisRequest,
)

DONE = object()  # put on a job's queue after its last event


class SpeechScheduler:
    def __init__(self, engine: SpeechEngine) -> None:
        self.engine = engine
        self.feed = JobFeed(self._failed)
        self._queues: dict[int, queue.Queue[Any]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._solo: queue.Queue[tuple[int, tuple[SynthesisRequest, ...]]] = queue.Queue()
        self.runs = 0  # feed runs (or single jobs) started: two requests served in one run shared a batch
        self.run_of: dict[int, int] = {}  # job -> the run that started it (the last 1,000 jobs)
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="speech-scheduler", daemon=True)
        self._thread.start()

    def submit(self, requests: Sequence[SynthesisRequest]) -> tuple[int, queue.Queue[Any]]:
        """A job for these requests; its queue receives StreamEvents (index = position in `requests`), then DONE,
        or an Exception if it failed."""
        job = next(self._ids)
        events: queue.Queue[Any] = queue.Queue()
        with self._lock:
            self._queues[job] = events
        if isinstance(self.engine, FeedingSpeechEngine) and all(r.take <= 0 for r in requests):
            self.feed.add(job, requests)
        else:
            self._solo.put((job, tuple(requests)))
            self.feed.wake()
        return job, events

    def cancel(self, job: int) -> None:
        """The client went away: its waiting sentences are dropped, its started ones end at the next window."""
        with self._lock:
            self._queues.pop(job, None)
        self.feed.cancel(job)

    def close(self) -> None:
        self._stopping = True
        self.feed.held = True
        self.feed.wake()
        self._thread.join(timeout=10)

    # -- the scheduler thread ------------------------------------------------------------------------------------
    def _deliver(self, job: int, item: Any) -> None:
        with self._lock:
            events = self._queues.get(job)
            if item is DONE or isinstance(item, Exception):
                self._queues.pop(job, None)
            if job not in self.run_of:
                self.run_of[job] = self.runs
                if len(self.run_of) > 1000:
                    self.run_of.pop(next(iter(self.run_of)))
        if events is not None:
            events.put(item)

    def _failed(self, job: int, error: Exception) -> None:
        self._deliver(job, error)

    def _work(self) -> None:
        while not self._stopping:
            try:
                job, requests = self._solo.get_nowait()
            except queue.Empty:
                pass
            else:
                self.runs += 1
                self._run_solo(job, requests)
                continue
            if self.feed.has_waiting() and isinstance(self.engine, FeedingSpeechEngine):
                self.runs += 1
                run_feed(self.engine, self.feed, lambda place, event: self._deliver(place.job, event),
                         lambda job: self._deliver(job, DONE), self._failed)
            else:
                self.feed.wait(0.2)

    def _run_solo(self, job: int, requests: tuple[SynthesisRequest, ...]) -> None:
        def whole(index: int, clip: Any) -> None:
            self._deliver(job, StreamEvent(index, AudioChunk(clip.samples, clip.sample_rate, 0), True))

        try:
            self.engine.synthesize(list(requests), on_clip=whole)
        except Exception as exc:  # noqa: BLE001 - told to the client as a 500 with the reason
            self._deliver(job, exc)
            return
        self._deliver(job, DONE)
