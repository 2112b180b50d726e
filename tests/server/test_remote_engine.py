"""RemoteEngine against a real `reader-app serve` (and its retry policy against a tiny failing server), and the
command line's --engine remote."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import numpy as np
import pytest

from reader_app.resources import sample_book_path
from reader_app.server.audio_format import pcm16
from reader_app.tts.engine import EngineError, ModelKind, SynthesisRequest, VoiceKind, VoiceSpec
from reader_app.tts.remote.engine import RemoteEngine
from reader_app.tts.remote.http_client import SpeechServerClient
from tests.server.conftest import TOKEN
from tests.support.cli import isolated_home, run_cli
from tests.support.fake_http import FakeHandler, fake_server

REQUESTS = [SynthesisRequest("Hello there.", VoiceSpec()), SynthesisRequest("A second sentence here.", VoiceSpec()),
            SynthesisRequest("Third one.", VoiceSpec())]


def test_the_remote_engine_speaks_through_the_server(server):
    engine = RemoteEngine(server.url, TOKEN)
    assert engine.model_id == f"remote:{server.engine.model_id}" and engine.kind == ModelKind.CUSTOM_VOICE
    assert engine.settings == {"engine": "remote", "server_model": server.model_name}
    assert engine.model_info().speakers == server.model.speakers
    seen: list[int] = []
    clips = engine.synthesize(REQUESTS, on_clip=lambda index, clip: seen.append(index))
    assert len(clips) == 3 and sorted(seen) == [0, 1, 2]
    assert all(clip.sample_rate == 24_000 and 0.1 < clip.duration_s < 2.5 for clip in clips)


def test_its_stream_is_in_order_per_request_and_can_be_closed(server):
    engine = RemoteEngine(server.url, TOKEN)
    written: dict[int, int] = {}
    ends = set()
    for event in engine.synthesize_stream(REQUESTS[:2]):
        assert event.chunk.start == written.get(event.index, 0)
        written[event.index] = event.chunk.start + len(event.chunk.samples)
        if event.is_last:
            ends.add(event.index)
    assert ends == {0, 1}
    stream = engine.synthesize_stream(REQUESTS)
    next(stream)
    stream.close()  # hangs up; the next call is unaffected
    cancel = threading.Event()
    cancel.set()
    assert engine.synthesize(REQUESTS, cancel=cancel) == []
    assert len(engine.synthesize(REQUESTS[:1])) == 1


def test_the_request_carries_a_length_bound_from_the_text_and_never_a_path(tmp_path):
    body = RemoteEngine.request_body(SynthesisRequest("Short.", VoiceSpec(speaker="ryan", instruct="Calmly.")))
    assert body["voice"] == "ryan" and body["instructions"] == "Calmly." and body["task_type"] == "CustomVoice"
    assert 1 < body["max_new_tokens"] < 100 and body["stream"] is True and body["language"] == "Auto"
    ref = tmp_path / "ref.wav"
    ref.write_bytes(b"RIFF....WAVE")
    clone = RemoteEngine.request_body(SynthesisRequest("Hi.", VoiceSpec(kind=VoiceKind.CLONE, ref_audio=str(ref))))
    assert clone["ref_audio"].startswith("data:audio/wav;base64,") and str(ref) not in json.dumps(clone)
    assert clone["x_vector_only_mode"] is True and clone["task_type"] == "Base"


class Flaky(FakeHandler):
    """Answers 503 `fail` times, then audio; or always `status` for the speech call."""

    fail = 2
    status = 503
    calls = 0

    def do_GET(self) -> None:  # noqa: N802
        self.answer(200, json.dumps({"model": "m", "model_id": "abc", "model_kind": "custom_voice"}).encode(),
                   "application/json")

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls += 1
        if type(self).calls <= type(self).fail:
            body = json.dumps({"error": {"message": "busy", "type": "x", "code": "x"}}).encode()
            self.answer(type(self).status, body, "application/json")
            return
        self.answer(200, pcm16(np.full(2400, 0.1, np.float32)), "audio/pcm")


@pytest.fixture
def flaky():
    Flaky.calls, Flaky.fail, Flaky.status = 0, 2, 503
    with fake_server(Flaky) as url:
        yield url


def test_busy_answers_are_retried_with_backoff(flaky):
    waits: list[float] = []
    client = SpeechServerClient(flaky, sleep=waits.append)
    clip, = RemoteEngine(flaky, client=client).synthesize(REQUESTS[:1])
    assert Flaky.calls == 3 and waits == [0.5, 1.0] and client.retries == 2
    assert len(clip.samples) == 2400


def test_a_refused_request_is_never_retried(flaky):
    Flaky.status, Flaky.fail = 400, 10
    client = SpeechServerClient(flaky, sleep=lambda s: None)
    with pytest.raises(EngineError, match="refused the request \\(400\\): busy"):
        RemoteEngine(flaky, client=client).synthesize(REQUESTS[:1])
    assert Flaky.calls == 1


def test_a_server_that_is_down_is_said_in_one_line():
    with pytest.raises(EngineError, match="did not answer"):
        RemoteEngine("http://127.0.0.1:9", client=SpeechServerClient("http://127.0.0.1:9", sleep=lambda s: None))


def test_pregen_play_and_export_with_the_engine_remote(server, tmp_path):
    home = isolated_home(tmp_path)  # a data folder of its own: other tests use the sample book

    def _cli(*args: str) -> subprocess.CompletedProcess:
        return run_cli(home, *args, timeout=300)

    book = str(sample_book_path())
    remote = ["--engine", "remote", "--server", server.url, "--token", TOKEN]
    made = _cli("pregen", book, "--chapters", "2-2", "--json", *remote)
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    assert summary["generated"] == summary["total"] > 0 and summary["failed"] == 0
    played = _cli("play", book, "--from", "2:1", "--sentences", "2", "--output", "null", "--json", *remote)
    assert played.returncode == 0, played.stderr
    report = json.loads(played.stdout)
    assert report["sentences_played"] == 2 and all(s.get("cached") for s in report["sentences"][:2])
    short = tmp_path / "short.txt"  # nothing of it cached: every sentence is made by the server now
    short.write_text("Short\n\nOne sentence here. And a second one.\n", encoding="utf-8")
    flac = tmp_path / "short.flac"
    exported = _cli("export", str(short), "--format", "flac", "-o", str(flac), "--json", *remote)
    assert exported.returncode == 0, exported.stderr
    export = json.loads(exported.stdout)
    assert export["generated"] == 3 and export["reused"] == 0 and export["chapters"] == 1
    assert flac.stat().st_size > 1000
    wrong = _cli("play", book, "--output", "null", "--engine", "remote", "--server", server.url, "--token", "no")
    assert wrong.returncode != 0 and "401" in wrong.stderr and "Traceback" not in wrong.stderr
    missing = _cli("play", book, "--output", "null", "--engine", "remote")
    assert missing.returncode == 2 and "--server" in missing.stderr


def test_speak_with_the_engine_remote(server, tmp_path):
    import soundfile as sf

    out = tmp_path / "hi.wav"
    result = subprocess.run([sys.executable, "-m", "reader_app", "speak", "--engine", "remote", "--server",
                             server.url, "--token", TOKEN, "--voice", server.model.speakers[1], "--text",
                             "Hello from the server.", "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    samples, rate = sf.read(str(out))
    assert rate == 24_000 and len(samples) > 0 and "wrote" in result.stdout
    unknown = subprocess.run([sys.executable, "-m", "reader_app", "speak", "--engine", "remote", "--server",
                              server.url, "--token", TOKEN, "--voice", "nobody", "--text", "Hi.", "-o", str(out)],
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and "nobody" in unknown.stderr and "Traceback" not in unknown.stderr
