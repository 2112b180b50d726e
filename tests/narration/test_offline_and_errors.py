"""Offline generation (cancel, resume, Qt controller), and narration surviving a lost or missing device."""

import threading

import pytest

from reader_app.audio.output import AudioOutputError, ManualOutput
from reader_app.narration.config import wait_until
from reader_app.narration.pregen import Pregenerator
from reader_app.narration.pregen_controller import PregenController
from reader_app.store import BookCache
from tests.support.books import make_book
from tests.support.engines import StreamingToneEngine, ToneEngine
from tests.support.narration import SR, Recorder, config, play_all, settle


@pytest.fixture
def book():
    return make_book([[[f"Chapter one, sentence {i}." for i in range(8)]],
                      [[f"Chapter two, sentence {i}." for i in range(8)]]])


@pytest.fixture
def cache(book, tmp_path):
    cache = BookCache(tmp_path / "book.db")
    cache.sync_sentences(book)
    yield cache
    cache.close()


def test_pregen_cancel_stops_and_a_new_run_resumes_skipping_cached_clips(book, cache):
    engine = ToneEngine()
    cancel = threading.Event()
    seen = []

    def progress(p):
        seen.append((p.done, p.total, p.eta_s))
        if p.generated >= 4:
            cancel.set()

    first = Pregenerator(book, cache, config(batch_size=2), lambda: engine, cancel).run(range(2), progress)
    assert first.cancelled and first.generated == 4 and first.failed == 0
    assert seen[0] == (0, 16, None)  # ETA unknown before the first batch
    assert seen[-1][2] > 0
    calls = len(engine.synthesized_texts())
    second = Pregenerator(book, cache, config(batch_size=2), lambda: engine).run(range(2))
    assert not second.cancelled and second.generated == 12 and second.done == 16
    texts = engine.synthesized_texts()
    assert len(texts) == len(set(texts)) == 16 and len(texts) - calls == 12


def test_pregen_cancel_interrupts_a_streaming_batch(book, cache):
    engine = StreamingToneEngine(chunk_s=0.001, chunk_delay_s=0.01)
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    result = Pregenerator(book, cache, config(batch_size=16), lambda: engine, cancel).run(range(2))
    assert result.cancelled and result.failed == 0 and result.done < 16


def test_pregen_controller_reports_progress_eta_and_finish(qtbot, book, cache):
    controller = PregenController()
    progress, finished = [], []
    controller.progress.connect(lambda d, t, eta: progress.append((d, t, eta)))
    controller.finished.connect(lambda g, f, c: finished.append((g, f, c)))
    assert controller.start(book, cache, config(batch_size=4), lambda: ToneEngine(), range(0, 1))
    qtbot.waitUntil(lambda: bool(finished), timeout=10_000)
    assert finished == [(8, 0, False)]
    assert progress[0] == (0, 8, -1.0) and progress[-1][:2] == (8, 8)


def test_pregen_controller_cancel_and_no_model_error(qtbot, book, cache):
    controller = PregenController()
    finished, errors = [], []
    controller.finished.connect(lambda g, f, c: finished.append((g, f, c)))
    controller.error.connect(errors.append)
    slow = StreamingToneEngine(chunk_s=0.001, chunk_delay_s=0.01)
    assert controller.start(book, cache, config(batch_size=16), lambda: slow, range(2))
    assert not controller.start(book, cache, config(), lambda: slow, range(2))  # one job at a time
    controller.cancel()
    qtbot.waitUntil(lambda: bool(finished), timeout=10_000)
    assert finished[0][2] is True
    controller.wait(5)
    assert controller.start(book, cache, config(), None, range(2))
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=10_000)
    assert "No voice model" in errors[0]


def test_device_loss_mid_play_reports_and_keeps_playing_in_order(book, make_narrator):
    engine, rec = ToneEngine(), Recorder()
    narrator, cache, out = make_narrator(book, engine, rec)
    spare = ManualOutput(SR, 480)
    narrator.player.fallback = lambda: spare
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(4)), 10)
    narrator.play()
    for _ in range(20):
        settle(lambda: narrator.player.queued_seconds() > 0.1, 2)
        out.pump(0.1)
        if len(rec.started) >= 2:
            break
    out.report_lost("The audio device stopped (unplugged or taken by another program).")
    assert rec.errors and "unplugged" in rec.errors[0]
    play_all(narrator, spare)
    assert rec.started == list(range(book.sentence_count()))  # no sentence lost or repeated


class NoDevice(ManualOutput):
    def start(self, fill):
        raise AudioOutputError("No audio output device: none found")


def test_no_device_and_no_model_still_plays_cached_audio(book, make_narrator):
    engine = ToneEngine()
    narrator, cache, _ = make_narrator(book, engine, Recorder())
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(book.sentence_count())), 10)
    narrator.close()
    rec = Recorder()
    narrator, _, _ = make_narrator(book, None, rec, output=NoDevice(SR, 480))  # the same cache file
    narrator.play()
    assert wait_until(lambda: len(rec.started) >= 2, 10)  # on the null output's real-time clock
    assert any("No audio output device" in e for e in rec.errors)
    assert not any("voice model" in e for e in rec.errors)
