"""Streaming codec decode: stateful chunks join into exactly the full decode."""

from __future__ import annotations

import numpy as np
import pytest

from reader_app.tts.engine import SynthesisRequest, VoiceSpec
from tests.support.stock import load_wrapper


def _decoder(path):
    return load_wrapper(str(path)).model.speech_tokenizer.model.decoder


def _stream(decoder, codes, first, chunk, feed=2, context=None, left_context=25):
    from reader_app.tts.fast.codec_state import StatefulCodec
    from reader_app.tts.fast.codec_stream import CodecStreamer

    streamer = CodecStreamer(StatefulCodec(decoder), first, chunk, left_context, context)
    parts = []
    for i in range(0, len(codes), feed):
        out = streamer.push(codes[i:i + feed])
        if out is not None:
            parts.append(out)
    parts.append(streamer.flush())
    return parts


def _snr_db(ref, got):
    return 10 * np.log10(np.sum(ref ** 2) / max(np.sum((ref - got) ** 2), 1e-30))


def test_streamed_decode_equals_full_decode(tiny_custom_voice):
    from reader_app.tts.fast.codec_stream import decode_codes

    decoder = _decoder(tiny_custom_voice)
    codes = np.random.default_rng(0).integers(0, 2048, (150, 16))  # beyond the 72-frame attention window
    full = decode_codes(decoder, codes)
    assert full.shape == (150 * 1920,) and np.sqrt(np.mean(full ** 2)) > 0.01  # audible, not silence
    parts = _stream(decoder, codes, first=2, chunk=16)
    assert [len(p) // 1920 for p in parts[:4]] == [2, 4, 8, 16]  # first audio after 2 frames, then doubling
    assert all(len(p) == 16 * 1920 for p in parts[4:-2])  # then whole chunks
    streamed = np.concatenate(parts)
    assert streamed.shape == full.shape
    assert np.max(np.abs(streamed - full)) < 1e-4  # exact up to float rounding: no seams at all


@pytest.mark.parametrize("sizes", [[1] * 20, [3, 1, 17, 2, 40], [60]])
def test_any_chunking_gives_the_same_audio(tiny_custom_voice, sizes):
    from reader_app.tts.fast.codec_state import StatefulCodec
    from reader_app.tts.fast.codec_stream import decode_codes

    decoder = _decoder(tiny_custom_voice)
    codes = np.random.default_rng(2).integers(0, 2048, (sum(sizes), 16))
    codec = StatefulCodec(decoder)
    state = codec.new_state()
    pieces, at = [], 0
    for n in sizes:
        pieces.append(codec.decode(codes[at:at + n], state))
        at += n
    assert state.frames == len(codes)
    assert np.max(np.abs(np.concatenate(pieces) - decode_codes(decoder, codes))) < 1e-4


def test_layers_match_upstream_modules(tiny_custom_voice):
    """The reshaped layers (GEMM transposed convolution, three-pass SnakeBeta) equal upstream's modules."""
    import torch

    from reader_app.tts.fast.codec_state import CodecState, _Snake, _TransposedConv

    decoder = _decoder(tiny_custom_voice)
    block = decoder.decoder[1].block  # SnakeBeta, transposed conv, residual units
    torch.manual_seed(0)
    with torch.no_grad():
        for p in block[0].parameters():
            p.copy_(torch.randn_like(p) * 0.3)  # non-trivial alpha/beta
        x = torch.randn(2, block[1].conv.in_channels, 13)
        assert torch.allclose(_Snake(block[0])(x), block[0](x), atol=1e-5)
        state = CodecState()
        first = _TransposedConv(block[1])(x[..., :5], state)
        second = _TransposedConv(block[1])(x[..., 5:], state)
        assert torch.allclose(torch.cat([first, second], -1), block[1](x), atol=1e-5)


def test_clone_context_primes_the_codec(tiny_custom_voice):
    """ICL reference codes act as left context: the audio is the tail of decoding reference + new frames."""
    from reader_app.tts.fast.codec_stream import decode_codes

    decoder = _decoder(tiny_custom_voice)
    rng = np.random.default_rng(3)
    ref, codes = rng.integers(0, 2048, (40, 16)), rng.integers(0, 2048, (30, 16))
    ours = np.concatenate(_stream(decoder, codes, first=4, chunk=8, context=ref, left_context=25))
    with_ctx = decode_codes(decoder, np.concatenate([ref[-25:], codes]))[25 * 1920:]
    assert np.max(np.abs(ours - with_ctx)) < 1e-4
    # upstream decodes the whole reference as context; 25 frames come close to that
    whole = decode_codes(decoder, np.concatenate([ref, codes]))[40 * 1920:]
    assert _snr_db(whole, ours) > 30
    # and without context the start differs (the context does matter)
    assert np.max(np.abs(np.concatenate(_stream(decoder, codes, 4, 8)) - ours)) > 1e-3


def test_stock_chunked_decode_agrees(tiny_custom_voice):
    """Upstream's chunked_decode (chunks re-decoding 25 frames of context) comes close to our exact stream."""
    import torch

    decoder = _decoder(tiny_custom_voice)
    codes = np.random.default_rng(1).integers(0, 2048, (40, 16))
    with torch.no_grad():
        stock = decoder.chunked_decode(torch.as_tensor(codes).T.unsqueeze(0), chunk_size=16,
                                       left_context_size=25)[0, 0].numpy()
    ours = np.concatenate(_stream(decoder, codes, first=16, chunk=16, feed=16))
    assert stock.shape == ours.shape and _snr_db(ours, stock) > 30


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
        assert [len(e.chunk.samples) // 1920 for e in mine[:3]] == [3, 6, 8]  # doubling up to chunk_frames
        starts = [e.chunk.start for e in mine]
        lengths = [len(e.chunk.samples) for e in mine]
        assert starts == list(np.cumsum([0] + lengths[:-1]))  # contiguous
        assert sum(lengths) == 20 * 1920
        first = mine[0]
        assert first.index == i and first.chunk.sample_rate == 24000 and first.is_last is False


def test_fp16_packed_transposed_convolutions_give_the_same_audio(tiny_custom_voice):
    """The packed CPU formats run the codec's transposed convolutions on fbgemm fp16 taps. Their weights come
    from bf16 there (the packed formats load the model in bf16), which fp16 holds exactly: the same audio."""
    import torch

    from reader_app.tts.fast.codec_state import StatefulCodec, _TransposedConv

    decoder = _decoder(tiny_custom_voice)
    with torch.no_grad():
        for module in decoder.modules():
            if type(module).__name__.endswith("TransConvNet"):
                module.conv.weight.copy_(module.conv.weight.bfloat16().float())
    codes = np.random.default_rng(3).integers(0, 2048, (40, 16))
    packed = StatefulCodec(decoder, fp16_taps=True)
    convs = [op for op in packed.upsample + packed.body if isinstance(op, _TransposedConv)]
    assert convs and all(op.taps is None and op.packed is not None for op in convs)
    want = StatefulCodec(decoder)
    got_state, want_state = packed.new_state(), want.new_state()
    for start, size in ((0, 2), (2, 4), (6, 8), (14, 16), (30, 10)):  # the engine's chunking, then a tail
        chunk = codes[start:start + size]
        got, expected = packed.decode(chunk, got_state), want.decode(chunk, want_state)
        assert got.shape == expected.shape == (size * 1920,)
        assert np.max(np.abs(got - expected)) < 1e-4, start  # exact weights: summation order only


def test_transposed_convolutions_keep_one_copy_of_their_weights(tiny_custom_voice):
    """With share_weights (an engine that owns its model) the tap matrices the streaming decode multiplies by are
    the modules' weights themselves (a permuted view), not copies (46 MB on 0.6B in bf16), and the stock decode
    over the modules still gives the same audio. Without it a shared decoder's weights are left as they were."""
    from reader_app.tts.fast.codec_state import StatefulCodec, _TransposedConv
    from reader_app.tts.fast.codec_stream import decode_codes

    decoder = _decoder(tiny_custom_voice)
    codes = np.random.default_rng(4).integers(0, 2048, (24, 16))
    before = decode_codes(decoder, codes)
    modules = [m.conv for m in decoder.modules() if type(m).__name__.endswith("TransConvNet")]
    own = {m.weight.untyped_storage().data_ptr() for m in modules}
    StatefulCodec(decoder)
    assert {m.weight.untyped_storage().data_ptr() for m in modules} == own  # not shared: untouched
    codec = StatefulCodec(decoder, share_weights=True)
    convs = [op for op in codec.upsample + codec.body if isinstance(op, _TransposedConv)]
    assert convs and len(convs) == len(modules)
    taps = {op.taps.untyped_storage().data_ptr() for op in convs}
    assert {m.weight.untyped_storage().data_ptr() for m in modules} == taps and len(taps) == len(convs)
    assert np.array_equal(decode_codes(decoder, codes), before)  # the stock path reads the same values
    state = codec.new_state()
    streamed = np.concatenate([codec.decode(codes[:2], state), codec.decode(codes[2:], state)])
    assert np.max(np.abs(streamed - before)) < 1e-4
