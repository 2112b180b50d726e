"""An engine that goes away mid-batch (its process killed): the narrator says so in one line and the rest of the
batch is made whole by the engine that comes back, not sentence by sentence; pregeneration likewise, and with the
real engine process killed mid-run nothing is lost or failed."""

from __future__ import annotations

import os
import signal

from reader_app.narration.config import wait_until
from reader_app.narration.pregen import Pregenerator
from reader_app.service.process_engine import ProcessEngine
from reader_app.service.protocol import EngineSpec
from reader_app.store import BookCache
from reader_app.tts.engine import EngineGone
from tests.support.books import make_book
from tests.support.engines import ToneEngine
from tests.support.narration import Recorder, config

GONE = "The speech engine process stopped (killed by signal 9); it starts again for the next sentence."


class DiesOnceEngine(ToneEngine):
    """Finishes the first clip of its first batch of several, then 'dies' (EngineGone); fine after that."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []  # requests per call
        self.died = False

    def synthesize(self, requests, *, cancel=None, on_clip=None):
        self.sizes.append(len(requests))
        if len(requests) > 1 and not self.died:
            self.died = True
            clip = ToneEngine.synthesize(self, requests[:1])[0]
            if on_clip is not None:
                on_clip(0, clip)
            raise EngineGone(GONE)
        return ToneEngine.synthesize(self, requests, cancel=cancel, on_clip=on_clip)


def test_the_narrator_says_it_once_and_remakes_the_rest_of_the_batch_whole(make_narrator):
    book = make_book([[["First one.", "Second one.", "Third one.", "Fourth one.", "Fifth one."]]])
    engine, rec = DiesOnceEngine(), Recorder()
    narrator, cache, _ = make_narrator(book, engine, rec, batch_size=4)
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(5)), 10)
    assert rec.notices == [GONE] and rec.errors == [] and rec.skipped == []
    died_at = engine.sizes.index(4)
    assert engine.sizes[died_at + 1] == 3  # the three unfinished sentences together, not one at a time
    assert cache.stats().clips == 5


def test_pregeneration_remakes_the_rest_whole(tmp_path):
    book = make_book(n_chapters=1, per_chapter=6)
    engine = DiesOnceEngine()
    cache = BookCache(tmp_path / "book.db")
    cache.sync_sentences(book)
    try:
        result = Pregenerator(book, cache, config(batch_size=4), lambda: engine).run(range(1))
        assert result.failed == 0 and result.generated == result.total == book.sentence_count()
        assert engine.sizes[:2] == [4, 3]  # the rest of the batch in one call, not one sentence at a time
    finally:
        cache.close()


def test_pregeneration_survives_a_kill_of_the_real_engine_process(tmp_path, tiny_custom_voice):
    book = make_book(n_chapters=1, per_chapter=5)
    engine = ProcessEngine(EngineSpec("fast", str(tiny_custom_voice), "cpu", "auto", 1,
                                      {"max_frames_per_char": 0.05, "margin_frames": 6})).start()
    cache = BookCache(tmp_path / "book.db")
    cache.sync_sentences(book)
    killed: list[int] = []

    def kill_after_the_first_clip(state) -> None:
        if state.generated == 1 and not killed:
            killed.append(engine.pid or 0)
            os.kill(killed[0], signal.SIGKILL)

    try:
        result = Pregenerator(book, cache, config(batch_size=2), lambda: engine).run(
            range(1), progress=kill_after_the_first_clip)
        assert killed and result.failed == 0 and result.error is None
        assert result.generated == result.total == book.sentence_count() == cache.stats().clips
        assert engine.starts == 2 and engine.pid not in (None, killed[0])
    finally:
        engine.close()
        cache.close()
