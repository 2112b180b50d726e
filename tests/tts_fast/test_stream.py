"""Streaming codec decode: chunks with left context join into (almost exactly) the full decode."""

from __future__ import annotations

import numpy as np

from reader_app.tts.engine import SynthesisRequest, VoiceSpec
from tests.tts_fast.conftest import load_wrapper


def _stream(decoder, codes, first, chunk, ctx, feed=2):
    from reader_app.tts.fast.codec_stream import CodecStreamer

    streamer = CodecStreamer(decoder, first, chunk, ctx)
    parts = []
    for i in range(0, len(codes), feed):
        out = streamer.push(codes[i:i + feed])
        if out is not None:
            parts.append(out)
    parts.append(streamer.flush())
    return parts


def _snr_db(ref, got):
    return 10 * np.log10(np.sum(ref ** 2) / max(np.sum((ref - got) ** 2), 1e-30))


def test_streamed_decode_matches_full_decode(tiny_custom_voice):
    from reader_app.tts.fast.codec_stream import decode_codes

    decoder = load_wrapper(str(tiny_custom_voice)).model.speech_tokenizer.model.decoder
    codes = np.random.default_rng(0).integers(0, 2048, (90, 16))
    full = decode_codes(decoder, codes)
    assert full.shape == (90 * 1920,) and np.sqrt(np.mean(full ** 2)) > 0.01  # audible, not silence
    # upstream's own left context (25 frames): close, no seams worth hearing
    parts = _stream(decoder, codes, first=4, chunk=16, ctx=25)
    streamed = np.concatenate(parts)
    assert streamed.shape == full.shape
    assert len(parts[0]) == 4 * 1920  # first audio after 4 frames
    assert _snr_db(full, streamed) > 30
    # with context beyond the decoder's receptive field the chunks equal the full decode
    exact = np.concatenate(_stream(decoder, codes, first=4, chunk=16, ctx=120))
    assert np.max(np.abs(exact - full)) < 1e-3


def test_stock_chunked_decode_agrees(tiny_custom_voice):
    """Upstream's chunked_decode (300-frame chunks, 25 frames context) and ours agree for long sentences."""
    import torch

    decoder = load_wrapper(str(tiny_custom_voice)).model.speech_tokenizer.model.decoder
    codes = np.random.default_rng(1).integers(0, 2048, (40, 16))
    with torch.no_grad():
        stock = decoder.chunked_decode(torch.as_tensor(codes).T.unsqueeze(0), chunk_size=16,
                                       left_context_size=25)[0, 0].numpy()
    ours = np.concatenate(_stream(decoder, codes, first=16, chunk=16, ctx=25, feed=16))
    assert np.max(np.abs(stock - ours)) < 1e-4


def test_engine_stream_events(tiny_custom_voice):
    from reader_app.tts.fast import FastEngine, FastSettings

    w = load_wrapper(str(tiny_custom_voice))
    engine = FastEngine.from_wrapper(w, FastSettings(device="cpu", max_batch=2, trim_silence=False,
                                                     first_chunk_frames=3, chunk_frames=8))
    requests = [SynthesisRequest("Hello world!", VoiceSpec(kind="preset", speaker="ryan"), "english"),
                SynthesisRequest("It was the best of times.", VoiceSpec(kind="preset"), "english"),
                SynthesisRequest("Call me Ishmael.", VoiceSpec(kind="preset", speaker="vivian"), "auto")]
    events = list(engine.synthesize_stream(requests, max_frames=20, suppress_eos=True))
    for i in range(3):
        mine = [e for e in events if e.index == i]
        assert mine[-1].is_last and not any(e.is_last for e in mine[:-1])
        assert mine[-1].stop_reason == "budget"
        assert len(mine[0].chunk.samples) == 3 * 1920  # playable after three frames
        starts = [e.chunk.start for e in mine]
        lengths = [len(e.chunk.samples) for e in mine]
        assert starts == list(np.cumsum([0] + lengths[:-1]))  # contiguous
        assert sum(lengths) == 20 * 1920
        index, chunk, last = mine[0]  # unpacks as (request_index, AudioChunk, is_last)
        assert index == i and chunk.sample_rate == 24000 and last is False
