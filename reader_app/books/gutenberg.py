"""Project Gutenberg plain texts: strip the header and licence, keep the header's metadata; transcribers'
marks that are not text ("[Illustration: ...]", _italics_) out."""

from __future__ import annotations

import re

_START = re.compile(
    r"^\s*\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK[^\n]*$", re.IGNORECASE | re.MULTILINE
)
_END = re.compile(
    r"^\s*(?:\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK[^\n]*"
    r"|End of (?:the )?Project Gutenberg'?s? E-?(?:book|text)[^\n]*"
    r"|\*+\s*END\*?\s*THE SMALL PRINT[^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
_OLD_START = re.compile(r"^\s*\*END\*THE SMALL PRINT![^\n]*$", re.IGNORECASE | re.MULTILINE)
_FIELD = re.compile(r"^(Title|Author|Language):[ \t]*(.+)$", re.MULTILINE)
# Credits that follow the start marker: not part of the book.
_CREDIT = re.compile(
    r"^\s*(?:Produced by|E-?text prepared by|This e-?book was produced by|Transcribed by)[^\n]*(?:\n[^\n]+)*",
    re.IGNORECASE,
)
_MARKER_WINDOW = 60_000  # markers sit near the start and the end of the file
# "End of Project Gutenberg's Alice's Adventures in Wonderland, by Lewis Carroll": before the end marker,
# or the last line of a text whose licence was cut off.
_END_LINE = re.compile(r"^[ \t]*End of (?:the )?Project Gutenberg\b[^\n]*(?:\n[ \t]*\S[^\n]*)?$",
                       re.IGNORECASE | re.MULTILINE)
_END_LINE_WINDOW = 4_000
# "[Illustration]", "[Illustration: Alice and the Rabbit]" (over several lines), "[Frontispiece: ...]".
_ILLUSTRATION = re.compile(r"\[(?:Illustrations?|Frontispiece)(?:[:.,][^\]\[]{0,2000})?\]", re.IGNORECASE)
# _italic_ words: the underscores are a transcriber's mark, not text (snake_case and "__" left alone).
_ITALIC = re.compile(r"(?<![\w_])_(?=[^\s_])((?:[^_\n]|\n(?![ \t]*\n)){1,1000}?)(?<=[^\s_])_(?![\w_])")


def strip_gutenberg(text: str) -> tuple[str, dict[str, str]]:
    """Return the book body and the header fields ("title", "author", "language") if this is a PG text."""
    head = text[:_MARKER_WINDOW]
    start = _START.search(head) or _OLD_START.search(head)
    if start is None:
        return text, {}
    fields = {key.lower(): value.strip() for key, value in _FIELD.findall(head[: start.start()])}
    body_start = start.end()
    tail_from = max(body_start, len(text) - _MARKER_WINDOW * 4)  # the licence after the end marker is long
    end = _END.search(text, tail_from)
    body = text[body_start : end.start() if end else len(text)]
    body = _CREDIT.sub("", body.lstrip("\r\n"), count=1)
    return body, fields


def strip_transcriber_marks(text: str) -> str:
    """Illustration placeholders, _italic_ underscores and a closing "End of Project Gutenberg's ..." line."""
    tail_from = max(0, len(text) - _END_LINE_WINDOW)
    end = _END_LINE.search(text, tail_from)
    if end is not None:
        text = text[: end.start()] + text[end.end() :]
    if "[" in text:
        text = _ILLUSTRATION.sub("", text)
    if "_" in text:
        text = _ITALIC.sub(r"\1", text)
    return text
