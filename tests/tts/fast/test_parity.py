"""Parity: on tiny float32 checkpoints with greedy decoding, our loop emits exactly stock qwen-tts's codes,
for every model kind, alone and batched (continuous batching with refills included)."""

from __future__ import annotations

import numpy as np
import pytest

from reader_app.tts.engine import SynthesisRequest, VoiceSpec
from tests.support.stock import load_wrapper, stock_codes

FRAMES = 32
TEXTS = ["Hello world! How are you today?",
         "It was the best of times.",
         "Call me Ishmael. Some years ago, never mind how long precisely, I went to sea."]


def _engine(wrapper, max_batch: int):
    from reader_app.tts.fast import FastEngine, FastSettings, SamplingSettings

    settings = FastSettings(device="cpu", dtype="float32", weights="dense", max_batch=max_batch,
                            sampling=SamplingSettings.greedy(), loop_window_frames=0)
    return FastEngine.from_wrapper(wrapper, settings)


def _check(wrapper, requests, expected, batches=(1, 2, 3)):
    for max_batch in batches:
        got = _engine(wrapper, max_batch).generate_codes(requests, max_frames=FRAMES)
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert g.shape == (FRAMES, 16) == e.shape, (max_batch, i)
            mismatch = int((g != e).sum())
            assert mismatch == 0, f"max_batch={max_batch} sentence {i}: {mismatch} codes differ from stock"


def test_custom_voice_single_and_batched(tiny_custom_voice):
    w = load_wrapper(str(tiny_custom_voice))
    speakers = ["ryan", "vivian", "dylan"]  # dylan: dialect language id with language auto
    langs = ["english", "english", "auto"]
    expected = [stock_codes(w, "generate_custom_voice", [t], FRAMES, speaker=s, language=lang)[0]
                for t, s, lang in zip(TEXTS, speakers, langs, strict=True)]
    requests = [SynthesisRequest(t, VoiceSpec(kind="preset", speaker=s), lang)
                for t, s, lang in zip(TEXTS, speakers, langs, strict=True)]
    _check(w, requests, expected)


def test_voice_design(tiny_voice_design):
    w = load_wrapper(str(tiny_voice_design))
    designs = ["A young woman with a bright voice, speaking quickly and happily.", ""]
    texts = TEXTS[:2]
    expected = [stock_codes(w, "generate_voice_design", [t], FRAMES, instruct=d, language="english")[0]
                for t, d in zip(texts, designs, strict=True)]
    requests = [SynthesisRequest(t, VoiceSpec(kind="design", description=d), "english")
                for t, d in zip(texts, designs, strict=True)]
    _check(w, requests, expected, batches=(1, 2))


@pytest.mark.parametrize("icl", [True, False], ids=["icl", "xvector"])
def test_voice_clone(tiny_base, ref_wav, icl):
    w = load_wrapper(str(tiny_base))
    ref_text = "Hello world! How are you today?" if icl else None
    voice = VoiceSpec(kind="clone", ref_audio=str(ref_wav), ref_text=ref_text)
    from reader_app.tts.fast import FastEngine, FastSettings, SamplingSettings

    engine = _engine(w, 1)
    item = engine.prompts.clone_item(voice)
    assert item.icl_mode == icl
    texts = TEXTS[1:]
    expected = [stock_codes(w, "generate_voice_clone", [t], FRAMES, language="english", voice_clone_prompt=[item])[0]
                for t in texts]
    requests = [SynthesisRequest(t, voice, "english") for t in texts]
    got = engine.generate_codes(requests, max_frames=FRAMES)
    assert all(np.array_equal(g, e) for g, e in zip(got, expected, strict=True))
    batched = FastEngine.from_wrapper(w, FastSettings(device="cpu", dtype="float32", weights="dense", max_batch=2,
                                                      sampling=SamplingSettings.greedy(), loop_window_frames=0))
    batched.prompts._clone_items[voice.voice_id] = item
    got = batched.generate_codes(requests, max_frames=FRAMES)
    assert all(np.array_equal(g, e) for g, e in zip(got, expected, strict=True))


def test_eos_frames_match_stock_token_count(tiny_custom_voice):
    """N new tokens give N-1 frames: stock with max_new_tokens=N returns N-1 frames, as our frame count."""
    w = load_wrapper(str(tiny_custom_voice))
    for frames in (1, 5):
        codes = stock_codes(w, "generate_custom_voice", [TEXTS[1]], frames, speaker="ryan", language="english")[0]
        assert codes.shape == (frames, 16)
