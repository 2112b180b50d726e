"""The narrator's look-ahead stores each clip the moment the engine finishes it, not when its whole batch ends,
and asks for the sentence at the cursor first where the engine queues requests."""

from __future__ import annotations

import threading

from reader_app.narration.config import wait_until
from tests.support.books import make_book
from tests.support.engines import ToneEngine
from tests.support.narration import Recorder


class HalfwayEngine(ToneEngine):
    """Finishes the first clip of a batch, then holds the rest until released (a batch's longest sentence)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.priorities: list[list[int]] = []

    def synthesize(self, requests, *, cancel=None, on_clip=None):
        self.priorities.append([r.priority for r in requests])
        clips = []
        for i, request in enumerate(requests):
            clip = ToneEngine.synthesize(self, [request])[0]
            clips.append(clip)
            if on_clip is not None:
                on_clip(i, clip)
            if len(requests) > 1 and i == 0:
                self.gate.wait(10)
        return clips


def test_a_finished_clip_of_a_batch_is_stored_and_ready_while_the_batch_goes_on(make_narrator):
    book = make_book([[["The first sentence.", "Second.", "A third sentence, much longer than the others.",
                        "Fourth."]]])
    engine, rec = HalfwayEngine(), Recorder()
    narrator, cache, _ = make_narrator(book, engine, rec, batch_size=3)
    try:
        assert wait_until(lambda: narrator.is_ready(0), 10)  # the cursor sentence, alone
        assert wait_until(lambda: narrator.is_ready(1), 10)  # the first of the look-ahead batch...
        assert not narrator.is_ready(2)  # ...while the batch is held: stored before the batch ended
        assert cache.stats().clips == 2  # in the store, not only in memory
        engine.gate.set()
        assert wait_until(lambda: all(narrator.is_ready(i) for i in range(4)), 10)
    finally:
        engine.gate.set()
    assert engine.priorities[0] == [0] and set(engine.priorities[1]) == {1}  # the cursor first, then ahead
