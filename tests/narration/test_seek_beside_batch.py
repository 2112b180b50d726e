"""A seek while a look-ahead batch is in flight: with an engine that takes jobs side by side (the engine process,
a speech server) the new cursor sentence is made at once beside the batch, which goes on and is stored; with one
that takes a job at a time the cursor waits for the batch, as before."""

from __future__ import annotations

import threading

import pytest

from reader_app.narration.config import wait_until
from reader_app.service.process_engine import ProcessEngine
from reader_app.tts.remote.engine import RemoteEngine
from tests.support.books import make_book
from tests.support.engines import ToneEngine
from tests.support.narration import Recorder


class HeldBatchEngine(ToneEngine):
    """Single sentences at once; a batch of several is held until released (a long look-ahead batch)."""

    def __init__(self, concurrent: bool) -> None:
        super().__init__()
        self.concurrent_jobs = concurrent
        self.gate = threading.Event()
        self.holding = threading.Event()  # a batch is held at the gate
        self.lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0

    def synthesize(self, requests, *, cancel=None, on_clip=None):
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            if len(requests) > 1:
                self.holding.set()
                self.gate.wait(10)
            return ToneEngine.synthesize(self, requests, cancel=cancel, on_clip=on_clip)
        finally:
            with self.lock:
                self.running -= 1


BOOK = [[[f"Sentence number {i} of the book." for i in range(20)]]]


@pytest.mark.parametrize("concurrent", [True, False])
def test_the_cursor_after_a_seek_does_not_wait_for_the_batch_in_flight(make_narrator, concurrent):
    engine = HeldBatchEngine(concurrent)
    narrator, cache, _ = make_narrator(make_book(BOOK), engine, Recorder(), batch_size=3)
    try:
        assert wait_until(lambda: narrator.is_ready(0), 10)
        assert engine.holding.wait(10)  # the look-ahead batch (1-3) is held
        narrator.seek(12)
        made_beside = wait_until(lambda: narrator.is_ready(12), 1.0)
        assert made_beside is concurrent
        assert not narrator.is_ready(1)  # the batch is still in flight...
        engine.gate.set()
        assert wait_until(lambda: all(narrator.is_ready(i) for i in (1, 2, 3, 12)), 10)  # ...and stored
        assert cache.stats().clips >= 5
        assert engine.most_at_once == (2 if concurrent else 1)
    finally:
        engine.gate.set()


def test_the_engine_process_and_a_speech_server_take_jobs_side_by_side():
    assert ProcessEngine.concurrent_jobs and RemoteEngine.concurrent_jobs
