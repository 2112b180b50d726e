"""Bytes of a plain-text book -> str, whatever legacy encoding it was saved in."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from . import language
from .errors import BookError
from .latin_pages import ascii_words, best_latin_page, is_latin_page

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
DETECT_SAMPLE_BYTES = 256 * 1024  # charset detection on a prefix: enough evidence, bounded time
_CJK_FALLBACKS = (
    ("cp932", re.compile("[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]")),  # Shift_JIS: kana and kanji
    ("cp949", re.compile("[\uac00-\ud7af]")),  # EUC-KR / UHC: hangul
    ("gb18030", re.compile("[\u4e00-\u9fff]")),
)
_GARBAGE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_DECLARED_LANGUAGE = re.compile(rb"^Language:[ \t]*([A-Za-z][A-Za-z() -]{0,40})", re.MULTILINE)  # Gutenberg


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding name)``. Raises BookError for binary data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"  # the common case, and strict UTF-8 rarely matches by chance
    except UnicodeDecodeError:
        pass
    encoding = _utf16_without_bom(data[:4096]) or _detect(data)
    text = data.decode(encoding, errors="replace")
    _reject_garbage(text)
    return text, encoding


def _utf16_without_bom(sample: bytes) -> str | None:
    # Mostly-ASCII UTF-16 has a NUL in every other byte; which half tells the byte order.
    if len(sample) < 16:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.4 and even_nuls < half * 0.05:
        return "utf-16-le"
    if even_nuls > half * 0.4 and odd_nuls < half * 0.05:
        return "utf-16-be"
    return None


def _detect(data: bytes) -> str:
    if b"\x00" in data[:DETECT_SAMPLE_BYTES]:
        raise BookError("This file is not a text book: it looks like binary data.")
    sample = data[:DETECT_SAMPLE_BYTES]
    if len(data) > DETECT_SAMPLE_BYTES:
        # Cut at a line end so the sample does not end mid-character.
        newline = sample.rfind(b"\n")
        if newline > DETECT_SAMPLE_BYTES // 2:
            sample = sample[: newline + 1]
    best = from_bytes(sample).best()
    if best is not None:
        if is_latin_page(best.encoding):
            # Between Latin pages charset-normalizer often ties: judge by the words each one spells.
            return best_latin_page(sample, best.encoding, _language_hint(sample))
        return best.encoding
    # Too little text for the detector (it happens with short CJK files): accept a CJK encoding that
    # decodes strictly into that language's own script.
    for encoding, script in _CJK_FALLBACKS:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        letters = [c for c in text if c.isalpha()]
        if letters and len(script.findall(text)) >= 0.6 * len(letters):
            return encoding
    raise BookError("This file is not a text book: its character encoding could not be recognised.")


def _language_hint(sample: bytes) -> str | None:
    """The book's language before its code page is known: a Gutenberg header says it, else the words
    spelled in ASCII alone (the same in every Latin page) tell it."""
    declared = _DECLARED_LANGUAGE.search(sample[:60_000])
    if declared:
        tag = language.normalize_tag(declared.group(1).decode("ascii").strip())
        if tag:
            return language.primary_subtag(tag)
    return language.primary_subtag(language.detect(ascii_words(sample)))


def _reject_garbage(text: str) -> None:
    sample = text[:100_000]
    if sample and len(_GARBAGE.findall(sample)) > len(sample) * 0.05:
        raise BookError("This file is not a text book: it looks like binary data.")
