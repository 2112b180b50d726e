"""The audiobook formats an export can write, and how each is made (one table, one place).

Encoding goes through PyAV: its wheels bundle FFmpeg (AAC, LAME, libopus, FLAC) on Linux, macOS and Windows, so
no system ffmpeg is needed. Tags and the chapters FFmpeg's muxers do not write are added with mutagen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ExportFormat(StrEnum):
    M4B = "m4b"  # AAC in MP4, chapters and cover: what Audiobookshelf, Apple Books and phone players expect
    MP3 = "mp3"  # ID3 chapters (CHAP/CTOC) in one file, or a file per chapter for car stereos
    OPUS = "opus"  # Ogg Opus, the smallest at speech quality; Vorbis-comment chapters
    FLAC = "flac"  # lossless copy of what the app plays; Vorbis-comment chapters


@dataclass(frozen=True)
class FormatSpec:
    container: str  # FFmpeg muxer
    codec: str  # FFmpeg encoder
    extension: str
    default_bitrate: int | None  # bits per second; None: lossless
    sample_rate: int | None  # forced rate (Opus runs at 48 kHz); None keeps the clips' rate
    sample_format: str  # what the encoder takes (planar float, 16-bit, ...)
    options: dict[str, str] = field(default_factory=dict)  # encoder options


SPECS: dict[ExportFormat, FormatSpec] = {
    # 48 kb/s mono AAC: more than the cache's own Vorbis (about 36 kb/s, docs/store.md), so nothing of what the
    # app plays is lost; audiobook stores sell 32-64 kb/s. FFmpeg's AAC encoder with its "fast" coder: twice
    # the speed of the default two-loop search (166x against 79x real time on one core here at 64 kb/s, 256x
    # at 48 kb/s), where speech sounds the same with either.
    ExportFormat.M4B: FormatSpec("ipod", "aac", ".m4b", 48_000, None, "fltp", {"aac_coder": "fast"}),
    ExportFormat.MP3: FormatSpec("mp3", "libmp3lame", ".mp3", 64_000, None, "fltp"),
    ExportFormat.OPUS: FormatSpec("ogg", "libopus", ".opus", 32_000, 48_000, "flt"),
    ExportFormat.FLAC: FormatSpec("flac", "flac", ".flac", None, None, "s16"),
}


def parse_bitrate(text: str) -> int:
    """'64k', '96000' or '128 kbps' -> bits per second, refusing what no encoder here takes."""
    cleaned = text.strip().lower().removesuffix("bps").removesuffix("b/s").strip()
    factor = 1000 if cleaned.endswith("k") else 1
    try:
        value = int(float(cleaned.removesuffix("k")) * factor)
    except ValueError:
        raise ValueError(f"bitrate {text!r} is not a number (examples: 64k, 96000)") from None
    if not 8_000 <= value <= 320_000:
        raise ValueError(f"bitrate {text!r} is outside 8k-320k")
    return value
