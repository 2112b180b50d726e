"""Calling a speech engine so that closing a book, or cancelling a job, does not wait for a long batch.

A streaming engine (reader_app.tts.engine.StreamingSpeechEngine: the fast engine) hands out chunks of each
request as they are decoded, so we stop between chunks; any other engine gets the `cancel` event, which it
honours at its next chance (the stock engine: between batches).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.tts.engine import ClipCallback, SpeechEngine, StreamingSpeechEngine, SynthesisRequest

# on_chunk(request index, samples, start sample in the sentence, is_last)
ChunkCallback = Callable[[int, np.ndarray, int, bool], None]


class Cancelled(Exception):
    """The job was cancelled before the batch completed; finished clips were already handed out."""


def can_stream(engine: SpeechEngine) -> bool:
    return isinstance(engine, StreamingSpeechEngine)


def synthesize(engine: SpeechEngine, requests: Sequence[SynthesisRequest], cancel: threading.Event,
               on_chunk: ChunkCallback | None = None, on_clip: ClipCallback | None = None) -> list[AudioClip]:
    """One clip per request. Streams when the engine can (on_chunk sees every chunk); on_clip sees each clip as
    it is finished; raises Cancelled when `cancel` is set before the batch completes (after on_clip saw the
    clips finished by then)."""
    if isinstance(engine, StreamingSpeechEngine):
        return _collect_stream(engine, requests, cancel, on_chunk, on_clip)
    clips = engine.synthesize(requests, cancel=cancel, on_clip=on_clip)
    if cancel.is_set() and len(clips) < len(requests):
        raise Cancelled()
    if on_chunk is not None:
        for i, clip in enumerate(clips):
            on_chunk(i, clip.samples, 0, True)
    return clips


def _collect_stream(engine: StreamingSpeechEngine, requests: Sequence[SynthesisRequest], cancel: threading.Event,
                    on_chunk: ChunkCallback | None, on_clip: ClipCallback | None) -> list[AudioClip]:
    pieces: dict[int, list[np.ndarray]] = {i: [] for i in range(len(requests))}
    clips: dict[int, AudioClip] = {}
    stream = engine.synthesize_stream(list(requests))
    try:
        for event in stream:
            if cancel.is_set():
                raise Cancelled()
            samples = np.asarray(event.chunk.samples, dtype=np.float32)
            pieces[event.index].append(samples)
            if on_chunk is not None:
                on_chunk(event.index, samples, event.chunk.start, event.is_last)
            if event.is_last:
                clips[event.index] = AudioClip(np.concatenate(pieces.pop(event.index)), engine.sample_rate)
                if on_clip is not None:
                    on_clip(event.index, clips[event.index])
    finally:
        stream.close()  # stops the engine's decoding loop at once (generator exit)
    missing = [i for i in range(len(requests)) if i not in clips]
    if missing:
        raise RuntimeError(f"the engine's stream ended without audio for {len(missing)} request(s)")
    return [clips[i] for i in range(len(requests))]
