"""`reader-app serve` on loopback over a tiny checkpoint: real HTTP, real engine, no mocks of the protocol."""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
import soundfile as sf

from reader_app.models.catalog import inspect_model
from reader_app.server.audio_format import from_pcm16
from reader_app.server.http_api import check_binding

TEXT = "Hello there, this is a test of the speech server."


def call(server, method: str, path: str, body=None, token: str | None = "s3cret", raw: bytes | None = None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(server.url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def speech(server, **fields):
    return call(server, "POST", "/v1/audio/speech", {"input": TEXT, **fields})


@pytest.mark.parametrize("fmt", ["wav", "flac"])
def test_a_speech_file_decodes_to_24_khz_audio(server, fmt):
    status, headers, data = speech(server, response_format=fmt, voice=server.model.speakers[0])
    assert status == 200 and headers["Content-Type"] == f"audio/{fmt}"
    samples, rate = sf.read(io.BytesIO(data), dtype="float32")
    assert rate == 24_000 and 0.2 < len(samples) / rate < 2.5  # at most 24 frames (1.9 s)


def test_a_stream_arrives_in_chunks_and_adds_up_to_the_whole(server):
    connection = http.client.HTTPConnection(server.server_address[0], server.server_address[1], timeout=120)
    body = json.dumps({"input": TEXT, "response_format": "pcm", "stream": True})
    connection.request("POST", "/v1/audio/speech", body, {"Authorization": "Bearer s3cret",
                                                           "Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 200 and response.headers["Transfer-Encoding"] == "chunked"
    pieces = []
    while block := response.read1(65536):
        pieces.append(block)
    connection.close()
    assert len(pieces) >= 2  # the first chunk before the sentence was finished
    streamed = from_pcm16(b"".join(pieces))
    status, _, whole = speech(server, response_format="pcm")
    assert status == 200 and abs(len(from_pcm16(whole)) - len(streamed)) <= 24_000 * 0.2


def _open_stream(server, text: str) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    connection = http.client.HTTPConnection(server.server_address[0], server.server_address[1], timeout=120)
    connection.request("POST", "/v1/audio/speech", json.dumps({"input": text, "response_format": "pcm",
                                                               "stream": True}),
                       {"Authorization": "Bearer s3cret", "Content-Type": "application/json"})
    return connection, connection.getresponse()


def test_a_second_client_joins_the_batch_the_first_is_decoding(server):
    runs_before = json.loads(call(server, "GET", "/health")[2])["feed_runs"]
    first, first_response = _open_stream(server, f"{TEXT} The first client.")
    assert first_response.status == 200 and first_response.read1(64)  # decoding: its first chunk is out
    second, second_response = _open_stream(server, f"{TEXT} The second client.")  # asked while it decodes
    for connection, response in ((first, first_response), (second, second_response)):
        assert response.status == 200
        while response.read1(65536):
            pass
        connection.close()
    assert json.loads(call(server, "GET", "/health")[2])["feed_runs"] == runs_before + 1  # one run for both


def test_a_client_that_disconnects_mid_stream_does_not_hurt_another(server):
    connection, response = _open_stream(server, TEXT)
    response.read1(100)
    connection.sock.close()  # gone mid-sentence
    status, _, data = speech(server, response_format="pcm")
    assert status == 200 and len(data) > 0


def test_health_models_and_voices(server):
    status, _, data = call(server, "GET", "/health")
    health = json.loads(data)
    assert status == 200 and health["status"] == "ok" and health["model_kind"] == "custom_voice"
    assert health["sample_rate"] == 24_000 and health["max_batch"] == 4 and health["model_id"]
    assert json.loads(call(server, "GET", "/v1/audio/voices")[2])["voices"] == list(server.model.speakers)
    assert json.loads(call(server, "GET", "/v1/models")[2])["data"][0]["id"] == server.model_name


def test_a_batch_answers_every_item_and_an_error_per_bad_one(server):
    runs_before = json.loads(call(server, "GET", "/health")[2])["feed_runs"]
    status, _, data = call(server, "POST", "/v1/audio/speech/batch",  # vLLM-Omni's shape: shared fields on top
                           {"response_format": "flac", "voice": server.model.speakers[1],
                            "items": [{"input": "One."}, {"input": "Two.", "voice": "nobody"},
                                      {"input": "Three.", "response_format": "wav"}]})
    answer = json.loads(data)
    results = answer["results"]
    assert status == 200 and (answer["total"], answer["succeeded"], answer["failed"]) == (3, 2, 1)
    assert [r["status"] for r in results] == ["success", "error", "success"] and "nobody" in results[1]["error"]
    assert [r.get("media_type") for r in results] == ["audio/flac", None, "audio/wav"]
    samples, rate = sf.read(io.BytesIO(base64.b64decode(results[0]["audio_data"])))
    assert rate == 24_000 and len(samples) > 0
    assert json.loads(call(server, "GET", "/health")[2])["feed_runs"] == runs_before + 1  # the items shared one


@pytest.mark.parametrize("body, status, code", [
    ({"input": "x" * 4001}, 413, "input_too_long"),
    ({"input": TEXT, "voice": "nobody"}, 400, "voice_not_found"),
    ({"input": ""}, 400, "missing_input"),
    ({"input": TEXT, "task_type": "Base", "ref_audio": "/etc/passwd", "ref_text": "hi"}, 400, "task_type"),
    ({"input": TEXT, "response_format": "flac", "stream": True}, 400, "stream_format"),
    ({"input": TEXT, "response_format": "mp4"}, 400, "response_format"),
    ({"input": TEXT, "max_new_tokens": -3}, 400, "max_new_tokens"),
])
def test_bad_requests_get_a_clear_4xx(server, body, status, code):
    got, _, data = call(server, "POST", "/v1/audio/speech", body)
    error = json.loads(data)["error"]
    assert got == status and error["code"] == code and error["message"]


def test_malformed_json_and_unknown_paths(server):
    status, _, data = call(server, "POST", "/v1/audio/speech", raw=b"{not json")
    assert status == 400 and json.loads(data)["error"]["code"] == "invalid_json"
    assert call(server, "GET", "/v1/nothing")[0] == 404


def test_a_wrong_or_missing_token_is_refused(server):
    for token in (None, "wrong"):
        status, _, data = call(server, "GET", "/health", token=token)
        assert status == 401 and json.loads(data)["error"]["type"] == "authentication_error"


def test_another_address_than_loopback_needs_a_token():
    with pytest.raises(ValueError, match="--token"):
        check_binding("0.0.0.0", None)
    check_binding("0.0.0.0", "t")
    check_binding("127.0.0.1", None)


def test_reader_app_serve_runs_as_a_command(tiny_custom_voice):
    process = subprocess.Popen([sys.executable, "-m", "reader_app", "serve", "--model", str(tiny_custom_voice),
                                "--port", "0", "--threads", "1", "--engine-option", "max_frames=12"],
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        deadline = time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline and " at http://" not in line:
            line = process.stderr.readline()
            assert line or process.poll() is None, "serve exited"
        url = line.split(" at ")[1].split()[0]
        with urllib.request.urlopen(url + "/health", timeout=30) as response:
            assert json.loads(response.read())["status"] == "ok"
        request = urllib.request.Request(url + "/v1/audio/speech", json.dumps({"input": "Hi there."}).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            assert sf.read(io.BytesIO(response.read()))[1] == 24_000
    finally:
        process.terminate()
        process.wait(30)


def test_serve_refuses_other_addresses_without_a_token(tiny_custom_voice):
    result = subprocess.run([sys.executable, "-m", "reader_app", "serve", "--model", str(tiny_custom_voice),
                             "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--token" in result.stderr


def test_reference_audio_is_inline_only(tiny_base):
    from reader_app.server.speech_request import ApiError, parse_speech

    info = inspect_model(tiny_base)
    for ref in ("/etc/passwd", "https://example.com/a.wav", "file:///etc/passwd", "C:\\voice.wav", "!!!"):
        with pytest.raises(ApiError) as refused:
            parse_speech({"input": TEXT, "task_type": "Base", "ref_audio": ref, "ref_text": "hi"}, info)
        assert refused.value.status == 400
    out = io.BytesIO()
    sf.write(out, np.zeros(24_000, np.float32), 24_000, format="WAV")
    job = parse_speech({"input": TEXT, "task_type": "Base", "ref_text": "hi",
                        "ref_audio": "data:audio/wav;base64," + base64.b64encode(out.getvalue()).decode()}, info)
    assert os.path.exists(job.request.voice.ref_audio) and job.request.voice.ref_text == "hi"
    job.discard()
    assert not os.path.exists(job.request.voice.ref_audio)
