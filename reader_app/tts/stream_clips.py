"""Whole clips from a stream of chunks: what every streaming engine's `synthesize` does with its own stream."""

from __future__ import annotations

import threading
from collections.abc import Generator

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.tts.engine import ClipCallback, StreamEvent


def collect_clips(stream: Generator[StreamEvent, None, None], sample_rate: int,
                  cancel: threading.Event | None = None, on_clip: ClipCallback | None = None) -> list[AudioClip]:
    """The clips of the requests whose last chunk arrived, in request order; `cancel` stops between chunks (the
    stream is closed, which stops its decoding); on_clip sees each clip as it is finished."""
    pieces: dict[int, list[np.ndarray]] = {}
    clips: dict[int, AudioClip] = {}
    try:
        for event in stream:
            if cancel is not None and cancel.is_set():
                break
            pieces.setdefault(event.index, []).append(event.chunk.samples)
            if event.is_last:
                clip = AudioClip(np.concatenate(pieces.pop(event.index)).astype(np.float32), sample_rate)
                clips[event.index] = clip
                if on_clip is not None:
                    on_clip(event.index, clip)
    finally:
        stream.close()
    return [clips[i] for i in sorted(clips)]
