"""Clip audio <-> compressed bytes, through soundfile (libsndfile).

Ogg/Vorbis at compression level 0.5 (Vorbis quality 5) was measured best for 24 kHz mono speech (docs/store.md):
about 16 MB per hour, about 2.4 ms to decode a 5 s clip, log-spectral distance about 1.4 dB, SNR about 30 dB.
Opus through libsndfile 1.2.2 decoded 8x slower (about 19 ms per 5 s) and was no closer to the original at the
same size; FLAC is lossless but over 50 MB per hour. The codec name is stored with each
clip, so the choice can change later without invalidating old clips.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import soundfile as sf

from reader_app.audio.clip import AudioClip

DEFAULT_CODEC = "vorbis"
_FORMATS: dict[str, dict[str, Any]] = {
    # Level 0.5 rather than 0.4 (18 MB/h): leaves room under the 20 MB/h target for noisier real voices.
    "vorbis": {"format": "OGG", "subtype": "VORBIS", "compression_level": 0.5},
    "flac": {"format": "FLAC", "subtype": "PCM_16"},
}
EMPTY = "empty"  # a zero-length clip: libsndfile cannot write an empty Ogg stream
KNOWN_CODECS = frozenset(_FORMATS) | {EMPTY}


def encode(clip: AudioClip, codec: str = DEFAULT_CODEC) -> tuple[str, bytes]:
    """Compress a clip; returns (codec actually used, bytes)."""
    if len(clip.samples) == 0:
        return EMPTY, b""
    if codec not in _FORMATS:
        raise ValueError(f"unknown codec {codec!r}")
    # NaN or overs from a misbehaving model must not poison the encoder.
    samples = np.clip(np.nan_to_num(clip.samples, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    buf = io.BytesIO()
    sf.write(buf, samples, clip.sample_rate, **_FORMATS[codec])
    return codec, buf.getvalue()


def decode(codec: str, data: bytes, sample_rate: int, n_samples: int) -> AudioClip:
    """Decompress; the result has exactly n_samples (codecs may pad the last block)."""
    if codec == EMPTY or n_samples == 0:
        return AudioClip(np.zeros(0, dtype=np.float32), sample_rate)
    if codec not in _FORMATS:
        raise ValueError(f"unknown codec {codec!r}")
    samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=False)
    if samples.ndim > 1:
        samples = samples[:, 0]
    if rate != sample_rate:
        raise ValueError(f"clip decodes at {rate} Hz, stored as {sample_rate} Hz")
    if len(samples) > n_samples:
        samples = samples[:n_samples]
    elif len(samples) < n_samples:
        samples = np.concatenate([samples, np.zeros(n_samples - len(samples), dtype=np.float32)])
    return AudioClip(np.ascontiguousarray(samples), sample_rate)
