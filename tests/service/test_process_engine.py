"""The engine in a child process (reader_app/service): real spawned children over tiny checkpoints, no mocks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from reader_app.narration.engine_provider import qwen_engine_provider
from reader_app.service.process_engine import EngineProcessDied, ProcessEngine
from reader_app.service.protocol import EngineSpec
from reader_app.tts.engine import EngineError, EngineHost, ModelKind, SynthesisRequest, VoiceKind, VoiceSpec

OPTIONS = {"max_frames": 12, "seed": 7}  # random weights never say EOS: 12 frames (~1 s) a sentence
REQUESTS = [SynthesisRequest("Hello there, my friend.", VoiceSpec()),
            SynthesisRequest("A second sentence, somewhat longer than the first one.", VoiceSpec()),
            SynthesisRequest("Third.", VoiceSpec())]


def spec(model, **options) -> EngineSpec:
    return EngineSpec("fast", str(model), "cpu", "auto", 1, {**OPTIONS, **options})


@pytest.fixture(scope="module")
def engine(tiny_custom_voice):
    started = ProcessEngine(spec(tiny_custom_voice)).start()
    yield started
    started.close()


def test_the_child_reports_its_model_and_streams_each_request_in_order(engine):
    assert engine.kind == ModelKind.CUSTOM_VOICE and engine.settings["engine"] == "fast"
    assert engine.pid is not None and engine.pid != os.getpid()
    written: dict[int, int] = {}
    ends = []
    for event in engine.synthesize_stream(REQUESTS):
        assert event.chunk.start == written.get(event.index, 0)  # contiguous, sample-exact offsets
        written[event.index] = event.chunk.start + len(event.chunk.samples)
        assert event.chunk.samples.dtype == np.float32 and event.chunk.sample_rate == engine.sample_rate
        if event.is_last:
            ends.append(event.index)
    assert sorted(ends) == [0, 1, 2] and all(written[i] > 0 for i in ends)


def test_audio_from_the_child_is_sample_exact_with_the_same_engine_in_this_process(engine, tiny_custom_voice):
    from reader_app.tts.fast import load_fast_engine

    inline = load_fast_engine(str(tiny_custom_voice), device="cpu", threads=1, **OPTIONS)
    assert inline.model_id == engine.model_id and inline.settings == engine.settings  # the same clip keys
    here = inline.synthesize(REQUESTS)
    there = engine.synthesize(REQUESTS)
    for a, b in zip(here, there, strict=True):
        assert np.array_equal(a.samples, b.samples)


def test_closing_a_stream_cancels_its_job_and_the_next_job_is_unaffected(engine):
    stream = engine.synthesize_stream(REQUESTS)
    first = next(stream)
    assert first.chunk.samples.size > 0
    stream.close()
    clips = engine.synthesize(REQUESTS[:1])
    assert len(clips) == 1 and clips[0].duration_s > 0
    cancel = threading.Event()
    cancel.set()
    assert engine.synthesize(REQUESTS, cancel=cancel) == []


def test_on_clip_sees_every_clip_as_it_finishes(engine):
    seen: list[int] = []
    clips = engine.synthesize(REQUESTS, on_clip=lambda index, clip: seen.append(index))
    assert sorted(seen) == [0, 1, 2] and len(clips) == 3


def test_two_threads_share_the_child(engine):
    results: dict[str, list] = {}

    def run(name: str, requests) -> None:
        results[name] = engine.synthesize(requests)

    threads = [threading.Thread(target=run, args=(n, REQUESTS[i:i + 2])) for i, n in enumerate(("a", "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [len(results["a"]), len(results["b"])] == [2, 2]


def test_a_refused_request_is_a_clear_engine_error_and_the_child_keeps_serving(engine):
    bad = SynthesisRequest("Hello.", VoiceSpec(kind=VoiceKind.DESIGN, description="A deep voice."))
    with pytest.raises(EngineError):
        engine.synthesize([bad])
    assert len(engine.synthesize(REQUESTS[:1])) == 1


def test_a_killed_child_fails_the_job_in_one_line_and_the_next_job_restarts_it(tiny_custom_voice):
    engine = ProcessEngine(spec(tiny_custom_voice, max_frames=400)).start()
    try:
        first_pid = engine.pid
        stream = engine.synthesize_stream(REQUESTS[:1])
        next(stream)  # decoding has begun
        os.kill(first_pid, signal.SIGKILL)
        with pytest.raises(EngineProcessDied, match="killed by signal 9"):
            for _ in stream:
                pass
        engine.spec = spec(tiny_custom_voice)  # the restart loads as configured; a short take this time
        clips = engine.synthesize(REQUESTS[:1])
        assert len(clips) == 1 and engine.starts == 2 and engine.pid not in (None, first_pid)
    finally:
        engine.close()
    assert engine.pid is None


def test_a_model_that_cannot_load_says_why(tmp_path):
    with pytest.raises(EngineError, match="(?i)model|config|folder"):
        ProcessEngine(EngineSpec("fast", str(tmp_path), "cpu", "auto", 1, {})).start()


def test_the_provider_hosts_the_engine_in_a_child_and_shares_it(tiny_custom_voice):
    one = qwen_engine_provider(str(tiny_custom_voice), "cpu", "auto", 1, host=EngineHost.PROCESS, **OPTIONS)
    two = qwen_engine_provider(str(tiny_custom_voice), "cpu", "auto", 1, host=EngineHost.PROCESS, **OPTIONS)
    engine = one.get()
    try:
        assert isinstance(engine, ProcessEngine) and two.get() is engine
    finally:
        engine.close()


ORPHAN = """
import os, sys, time
from reader_app.service.process_engine import ProcessEngine
from reader_app.service.protocol import EngineSpec
if __name__ == "__main__":
    engine = ProcessEngine(EngineSpec("fast", sys.argv[1], "cpu", "auto", 1, {"max_frames": 12})).start()
    print(engine.pid, flush=True)
    time.sleep(600)
"""


def test_the_child_ends_when_the_app_is_killed(tiny_custom_voice, tmp_path):
    script = tmp_path / "app.py"
    script.write_text(ORPHAN)
    app = subprocess.Popen([sys.executable, str(script), str(tiny_custom_voice)], stdout=subprocess.PIPE,
                           text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        child = int(app.stdout.readline())
        app.kill()  # SIGKILL: no clean-up code runs in the app
        app.wait(10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _alive(child):
            time.sleep(0.2)
        assert not _alive(child)
    finally:
        app.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by init) counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False
