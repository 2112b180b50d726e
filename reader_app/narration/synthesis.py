"""Calling a speech engine so that closing a book, or cancelling a job, does not wait for a long batch.

Engines differ: the fast engine streams (`synthesize_stream`, chunks of each request as they are decoded), so
we can stop between chunks; an engine whose `synthesize` takes a `cancel` event gets one; any other engine is
called plainly and finishes its batch.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Sequence

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.tts.engine import SpeechEngine, SynthesisRequest

# on_chunk(request index, samples, start sample in the sentence, is_last)
ChunkCallback = Callable[[int, np.ndarray, int, bool], None]


class Cancelled(Exception):
    """The job was cancelled between chunks; finished clips were already handed out."""


def can_stream(engine: SpeechEngine) -> bool:
    return callable(getattr(engine, "synthesize_stream", None))


def _takes_cancel(engine: SpeechEngine) -> bool:
    try:
        return "cancel" in inspect.signature(engine.synthesize).parameters
    except (TypeError, ValueError):
        return False


def synthesize(engine: SpeechEngine, requests: Sequence[SynthesisRequest], cancel: threading.Event,
               on_chunk: ChunkCallback | None = None) -> list[AudioClip]:
    """One clip per request. Streams when the engine can (on_chunk sees every chunk); raises Cancelled when
    `cancel` is set before the batch completes."""
    if can_stream(engine):
        return _collect_stream(engine, requests, cancel, on_chunk)
    if _takes_cancel(engine):
        clips = engine.synthesize(requests, cancel=cancel)
    else:
        clips = engine.synthesize(requests)
    if cancel.is_set() and len(clips) < len(requests):
        raise Cancelled()
    if on_chunk is not None:
        for i, clip in enumerate(clips):
            on_chunk(i, clip.samples, 0, True)
    return clips


def _collect_stream(engine, requests, cancel: threading.Event, on_chunk: ChunkCallback | None) -> list[AudioClip]:
    pieces: dict[int, list[np.ndarray]] = {i: [] for i in range(len(requests))}
    clips: dict[int, AudioClip] = {}
    stream = engine.synthesize_stream(list(requests))
    try:
        for event in stream:
            if cancel.is_set():
                raise Cancelled()
            index, chunk, is_last = event
            samples = np.asarray(chunk.samples, dtype=np.float32)
            pieces[index].append(samples)
            if on_chunk is not None:
                on_chunk(index, samples, int(getattr(chunk, "start", 0)), is_last)
            if is_last:
                clips[index] = AudioClip(np.concatenate(pieces.pop(index)), engine.sample_rate)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # stops the engine's decoding loop at once (generator exit)
    missing = [i for i in range(len(requests)) if i not in clips]
    if missing:
        raise RuntimeError(f"the engine's stream ended without audio for {len(missing)} request(s)")
    return [clips[i] for i in range(len(requests))]
