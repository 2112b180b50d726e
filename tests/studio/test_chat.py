"""The optional chat endpoint, against a fake OpenAI-compatible server on 127.0.0.1: speakers named per
paragraph, cached as source=chat beside the reader's corrections; failures are one line."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reader_app.store.book_cache import BookCache
from reader_app.store.characters import SpeakerSource
from reader_app.studio import cast
from reader_app.studio.chat import ChatEndpoint, ChatError
from tests.support.books import make_book

BOOK = make_book([[["The kitchen was cold."], ["“Tea?” she asked."], ["“Please,” he said."], ["“Milk?”"]]])


class FakeChat(BaseHTTPRequestHandler):
    answer: str = ""
    status = 200
    seen: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeChat.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if self.status != 200:
            self.send_response(self.status)
            self.end_headers()
            self.wfile.write(b"invalid api key\nmore")
            return
        prompt = body["messages"][-1]["content"]
        numbers = re.findall(r"^\[(\d+)\] “", prompt, re.M)
        names = self.answer or json.dumps({"speakers": {n: ("Alice" if int(n) % 2 == 0 else "Bob")
                                                        for n in numbers}})
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": names}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    FakeChat.answer, FakeChat.status, FakeChat.seen = "", 200, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_the_chat_model_names_the_speakers_and_they_are_cached_as_chat(server, tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_CHAT_KEY", "sk-test")
    endpoint = ChatEndpoint.from_settings(server, "tiny-llm", "TEST_CHAT_KEY")
    with BookCache(tmp_path / "b.db", book_id=BOOK.fingerprint) as cache:
        cache.sync_sentences(BOOK)
        cache.characters.set_speaker(BOOK.sentences()[3].id, "Carol")  # the reader's correction stays
        cast.detect(BOOK, cache, chat=endpoint)
        lines = cache.characters.lines()
    seen = FakeChat.seen[0]
    assert seen["path"] == "/v1/chat/completions" and seen["auth"] == "Bearer sk-test"
    assert seen["body"]["model"] == "tiny-llm"
    s = BOOK.sentences()
    assert (lines[s[1].id].speaker, lines[s[1].id].source) == ("Alice", SpeakerSource.CHAT)
    assert (lines[s[2].id].speaker, lines[s[2].id].source) == ("Bob", SpeakerSource.CHAT)
    assert (lines[s[3].id].speaker, lines[s[3].id].source) == ("Carol", SpeakerSource.READER)
    assert s[0].id not in lines


@pytest.mark.parametrize(("status", "answer", "message"), [
    (401, "", "the attribution endpoint answered HTTP 401: invalid api key"),
    (200, "I think Alice speaks.", "the attribution model did not answer in JSON"),
    (200, '{"who": 1}', 'has no "speakers" object'),
])
def test_failures_are_one_line(server, status, answer, message):
    FakeChat.status, FakeChat.answer = status, answer
    with pytest.raises(ChatError) as caught:
        endpoint = ChatEndpoint(server, "m")
        endpoint.ask("[1] “Hi.”")
        from reader_app.studio.chat import _parse

        _parse(endpoint.ask("[1] “Hi.”"))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_an_endpoint_that_is_not_there_or_not_configured():
    with pytest.raises(ChatError, match="could not reach the attribution endpoint"):
        ChatEndpoint("http://127.0.0.1:9/v1", "m", timeout_s=5).ask("hi")
    with pytest.raises(ChatError, match="no attribution endpoint is configured"):
        ChatEndpoint.from_settings("", "m", "X")
