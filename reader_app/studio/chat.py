"""Speakers attributed by a chat model the reader configured (off by default): any OpenAI-compatible endpoint
(`POST {endpoint}/chat/completions`), asked about a book's dialogue paragraphs in chunks.

Qt-free, urllib only, a timeout per request, and every failure is one line (ChatError). The rules find where the
speech is (reader_app/studio/dialogue.py); the model only names who speaks each numbered paragraph. The API key
is read from the environment variable the settings name; it is never stored.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from reader_app.books.model import Book
from reader_app.store.characters import SpeakerLine, SpeakerSource, clean_name
from reader_app.studio.attribution import Attribution
from reader_app.studio.dialogue import Paragraph, paragraphs

CHUNK_CHARS = 6000  # paragraphs per request, by size: room for the answer in a small model's context
TIMEOUT_S = 60.0
CONFIDENCE_CHAT = 0.8
MAX_ANSWER_BYTES = 1 << 20
_SYSTEM = ("You attribute dialogue in novels. You get numbered paragraphs; for every paragraph that contains "
           "quoted speech, name the character who speaks it, as the book names them. Answer with JSON only: "
           '{"speakers": {"<paragraph number>": "<name>"}}. Leave out paragraphs without speech or whose '
           "speaker cannot be told.")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


class ChatError(ValueError):
    """The endpoint could not be asked or gave an answer that cannot be used; the message is one line."""


@dataclass(frozen=True)
class ChatEndpoint:
    url: str  # the base ("http://127.0.0.1:8080/v1") or the full .../chat/completions
    model: str
    api_key: str = ""
    timeout_s: float = TIMEOUT_S

    @classmethod
    def from_settings(cls, endpoint: str, model: str, key_env: str) -> ChatEndpoint:
        if not endpoint:
            raise ChatError("no attribution endpoint is configured (Settings > Settings… > Characters, "
                            "attribution_endpoint)")
        return cls(endpoint, model, os.environ.get(key_env, "") if key_env else "")

    @property
    def completions_url(self) -> str:
        url = self.url.rstrip("/")
        return url if url.endswith("/chat/completions") else f"{url}/chat/completions"

    def ask(self, prompt: str) -> str:
        """The model's answer to one user message."""
        body = json.dumps({"model": self.model, "temperature": 0, "messages": [
            {"role": "system", "content": _SYSTEM}, {"role": "user", "content": prompt}]}).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.completions_url, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                raw = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            detail = _first_line(exc.read(500).decode("utf-8", "replace")) if exc.fp is not None else ""
            raise ChatError(f"the attribution endpoint answered HTTP {exc.code}"
                            f"{': ' + detail if detail else ''}") from None
        except urllib.error.URLError as exc:
            raise ChatError(f"could not reach the attribution endpoint {self.completions_url}: "
                            f"{_first_line(str(exc.reason))}") from None
        except (TimeoutError, OSError) as exc:
            raise ChatError(f"the attribution endpoint did not answer in time ({self.timeout_s:g} s): "
                            f"{_first_line(str(exc))}") from None
        if len(raw) > MAX_ANSWER_BYTES:
            raise ChatError("the attribution endpoint's answer is over 1 MB")
        try:
            return str(json.loads(raw)["choices"][0]["message"]["content"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise ChatError("the attribution endpoint's answer is not an OpenAI chat completion") from None


def chat_attribute(book: Book, detected: Attribution, endpoint: ChatEndpoint,
                   progress: Callable[[int, int], None] | None = None) -> dict[str, SpeakerLine]:
    """Sentence id -> speaker as the model names them, for the lines the rules found (detected.speech)."""
    found = [p for p in paragraphs(book)]
    chunks = list(_chunks(found))
    lines: dict[str, SpeakerLine] = {}
    for n, chunk in enumerate(chunks):
        prompt = "\n\n".join(f"[{number}] {paragraph.text}" for number, paragraph in chunk)
        speakers = _parse(endpoint.ask(prompt))
        for number, paragraph in chunk:
            name = speakers.get(str(number))
            if not name:
                continue
            for sentence in paragraph.sentences:
                if sentence.id in detected.speech:
                    lines[sentence.id] = SpeakerLine(sentence.id, name, CONFIDENCE_CHAT, SpeakerSource.CHAT)
        if progress is not None:
            progress(n + 1, len(chunks))
    return lines


def _chunks(found: list[Paragraph]) -> Iterator[list[tuple[int, Paragraph]]]:
    """Consecutive paragraphs (numbered in the book), narration kept for context, each chunk with speech in it."""
    chunk: list[tuple[int, Paragraph]] = []
    size = 0
    for number, paragraph in enumerate(found, 1):
        if chunk and size + len(paragraph.text) > CHUNK_CHARS:
            if any(p.has_speech for _n, p in chunk):
                yield chunk
            chunk, size = [], 0
        chunk.append((number, paragraph))
        size += len(paragraph.text)
    if any(p.has_speech for _n, p in chunk):
        yield chunk


def _parse(answer: str) -> dict[str, str]:
    try:
        data = json.loads(_FENCE.sub("", answer.strip()))
    except ValueError:
        raise ChatError(f"the attribution model did not answer in JSON: {_first_line(answer)[:80]!r}") from None
    speakers = data.get("speakers") if isinstance(data, dict) else None
    if not isinstance(speakers, dict):
        raise ChatError('the attribution model\'s JSON has no "speakers" object')
    out = {}
    for key, name in speakers.items():
        if isinstance(name, str) and name.strip():
            out[str(key)] = clean_name(name)
    return out


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:200]
