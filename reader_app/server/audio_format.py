"""The audio formats `reader-app serve` answers in (OpenAI's `response_format`): WAV and FLAC files, raw PCM."""

from __future__ import annotations

import io
import struct
from enum import StrEnum

import numpy as np


class ResponseFormat(StrEnum):
    WAV = "wav"
    FLAC = "flac"
    PCM = "pcm"  # 16-bit signed little-endian mono at the model's rate (24 kHz), no header: what streams


STREAM_FORMATS = (ResponseFormat.PCM, ResponseFormat.WAV)  # as vLLM-Omni: a streamed WAV is a header, then PCM
CONTENT_TYPES = {ResponseFormat.WAV: "audio/wav", ResponseFormat.FLAC: "audio/flac",
                 ResponseFormat.PCM: "audio/pcm"}


def pcm16(samples: np.ndarray) -> bytes:
    """float32 in [-1, 1] -> 16-bit little-endian PCM (clipped, as a sound card would)."""
    clipped = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    return (clipped * 32767.0).round().astype("<i2").tobytes()


def from_pcm16(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32767.0


def encode(samples: np.ndarray, sample_rate: int, fmt: ResponseFormat) -> bytes:
    if fmt is ResponseFormat.PCM:
        return pcm16(samples)
    import soundfile as sf

    out = io.BytesIO()
    sf.write(out, np.asarray(samples, dtype=np.float32), sample_rate, format=fmt.value.upper(), subtype="PCM_16")
    return out.getvalue()


def wav_stream_header(sample_rate: int) -> bytes:
    """A 16-bit mono WAV header for a stream of unknown length (sizes 0xFFFFFFFF, as streaming servers send)."""
    unknown = 0xFFFFFFFF
    return (b"RIFF" + struct.pack("<I", unknown) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate,
            sample_rate * 2, 2, 16) + b"data" + struct.pack("<I", unknown))
