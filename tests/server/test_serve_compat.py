"""`reader-app serve` as a vLLM-Omni speech server: streams that equal the whole take (greedy engine), a streamed
WAV, `speed`, cloning from inline audio over real HTTP (a path or URL refused), and RemoteEngine reading a
vLLM-Omni-shaped server (/v1/models, /v1/audio/voices, whole WAV answers)."""

from __future__ import annotations

import base64
import glob
import http.client
import io
import json
import os
import tempfile

import numpy as np
import pytest
import soundfile as sf

from reader_app.models.catalog import inspect_model
from reader_app.server.audio_format import from_pcm16
from reader_app.server.http_api import serve
from reader_app.tts.engine import ModelKind, SynthesisRequest, VoiceKind, VoiceSpec
from reader_app.tts.remote.engine import RemoteEngine
from tests.server.conftest import TOKEN
from tests.server.test_serve import TEXT, call, speech
from tests.support.fake_http import FakeHandler, fake_server


def test_a_stream_equals_the_whole_take_sample_for_sample(server):
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=120)
    connection.request("POST", "/v1/audio/speech", json.dumps({"input": TEXT, "response_format": "pcm",
                                                               "stream": True}),
                       {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    response = connection.getresponse()
    pieces = []
    while block := response.read1(65536):
        pieces.append(block)
    connection.close()
    whole = speech(server, response_format="pcm")[2]
    assert len(pieces) >= 2 and b"".join(pieces) == whole  # the greedy engine makes the same take each time


def test_a_streamed_wav_is_a_header_then_the_same_samples(server):
    status, headers, data = speech(server, response_format="wav", stream=True)
    assert status == 200 and headers["Content-Type"] == "audio/wav"
    samples, rate = sf.read(io.BytesIO(data), dtype="int16")
    pcm = speech(server, response_format="pcm")[2]
    assert rate == 24_000 and np.array_equal(samples, np.frombuffer(pcm, "<i2"))


def test_speed_shortens_a_whole_take_and_cannot_stream(server):
    normal = len(from_pcm16(speech(server, response_format="pcm")[2]))
    status, _, fast = speech(server, response_format="pcm", speed=2.0)
    assert status == 200 and abs(len(from_pcm16(fast)) - normal / 2) <= 2
    for fields in ({"speed": 9}, {"speed": "fast"}, {"speed": 2.0, "stream": True, "response_format": "pcm"}):
        got, _, data = speech(server, **fields)
        assert got == 400 and json.loads(data)["error"]["code"] == "speed"


# -- cloning over HTTP ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base_server(tiny_base):
    from reader_app.tts.fast import load_fast_engine

    engine = load_fast_engine(str(tiny_base), device="cpu", threads=1, max_frames=12, max_batch=2)
    running = serve(engine, inspect_model(tiny_base), port=0, token=TOKEN, max_batch=2)
    yield running
    running.stop()


def _recording(tmp_path) -> tuple[str, bytes]:
    path = tmp_path / "ref.wav"
    noise = np.random.default_rng(3).normal(0, 0.1, 24_000).astype(np.float32)
    sf.write(path, noise, 24_000, subtype="PCM_16")
    return str(path), path.read_bytes()


def _refs() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "reader-serve-ref-*")))


def test_a_clone_comes_from_inline_audio_only(base_server, tmp_path):
    path, data = _recording(tmp_path)
    before = _refs()
    clone = {"input": "Hello there.", "task_type": "Base", "ref_text": "Some words."}
    for ref, words in ((path, "never reads"), ("https://example.com/voice.wav", "fetches URLs"),
                       ("file:///etc/passwd", "fetches URLs")):
        status, _, answer = speech(base_server, **clone, ref_audio=ref)
        error = json.loads(answer)["error"]
        assert status == 400 and error["code"] == "ref_audio" and words in error["message"]
    inline = "data:audio/wav;base64," + base64.b64encode(data).decode()
    status, headers, audio = speech(base_server, **clone, ref_audio=inline)
    assert status == 200 and sf.read(io.BytesIO(audio))[1] == 24_000
    status, _, answer = speech(base_server, input="Hi.", task_type="CustomVoice")  # not what a Base model does
    assert status == 400 and json.loads(answer)["error"]["code"] == "task_type"
    assert _refs() == before  # the decoded recording was removed after the request


def test_the_remote_engine_clones_through_the_server(base_server, tmp_path):
    path, _ = _recording(tmp_path)
    engine = RemoteEngine(base_server.url, TOKEN)
    assert engine.kind == ModelKind.BASE and engine.model_id == f"remote:{base_server.engine.model_id}"
    voice = VoiceSpec(kind=VoiceKind.CLONE, ref_audio=path, ref_text="Some words.")
    clip, = engine.synthesize([SynthesisRequest("Hello there.", voice)])
    assert clip.sample_rate == 24_000 and len(clip.samples) > 0
    assert json.loads(call(base_server, "GET", "/v1/audio/voices")[2]) == {"voices": [], "uploaded_voices": []}


# -- a server shaped like vLLM-Omni ----------------------------------------------------------------------------------
class OmniLike(FakeHandler):
    """vLLM-Omni's answers as documented: /health empty, the model in /v1/models, the presets in /v1/audio/voices,
    a whole WAV file per speech request."""

    bodies: list[dict] = []

    def do_GET(self) -> None:  # noqa: N802
        answers = {"/health": b"", "/v1/models": json.dumps({"object": "list", "data": [
                       {"id": "Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice", "object": "model"}]}).encode(),
                   "/v1/audio/voices": json.dumps({"voices": ["Vivian", "Ryan"], "uploaded_voices": []}).encode()}
        self.answer(200, answers[self.path], "application/json")

    def do_POST(self) -> None:  # noqa: N802
        type(self).bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        out = io.BytesIO()
        sf.write(out, np.full(4800, 0.1, np.float32), 24_000, format="WAV", subtype="PCM_16")
        self.answer(200, out.getvalue(), "audio/wav")


def test_the_remote_engine_reads_a_vllm_omni_server():
    OmniLike.bodies = []
    with fake_server(OmniLike) as url:
        engine = RemoteEngine(url)
        assert engine.model_id == "remote:Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice"
        assert engine.kind == ModelKind.CUSTOM_VOICE and engine.model_info().speakers == ("vivian", "ryan")
        clip, = engine.synthesize([SynthesisRequest("Hello.", VoiceSpec(speaker="ryan"), language="english")])
        assert len(clip.samples) == 4800 and clip.sample_rate == 24_000
        body, = OmniLike.bodies
        assert body["voice"] == "ryan" and body["task_type"] == "CustomVoice" and body["language"] == "English"
        assert 0 < body["max_new_tokens"] < 100
