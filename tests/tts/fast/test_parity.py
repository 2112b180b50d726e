"""Parity: on tiny float32 checkpoints with greedy decoding, our loop emits exactly stock qwen-tts's codes,
for every model kind, alone and batched (continuous batching with refills included).

The device comes from READER_APP_TEST_DEVICE (tests/support/stock.py; cpu by default). On CUDA every test runs
twice, with CUDA graphs (checked to be captured and replayed, not fallen back from) and eagerly, so a mismatch
tells a graph hazard from CUDA arithmetic. READER_APP_TEST_PARITY_FRAMES shortens the run (the GPU check's
dry run); 32 frames by default.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from reader_app.tts.engine import SynthesisRequest, VoiceSpec
from tests.support.stock import load_wrapper, parity_device, stock_codes

FRAMES = int(os.environ.get("READER_APP_TEST_PARITY_FRAMES", "32"))
TEXTS = ["Hello world! How are you today?",
         "It was the best of times.",
         "Call me Ishmael. Some years ago, never mind how long precisely, I went to sea."]
DEVICE = parity_device()
GRAPH_MODES = [True, False] if DEVICE.startswith("cuda") else [False]
graph_modes = pytest.mark.parametrize("graphs", GRAPH_MODES, ids=lambda g: "graphs" if g else "eager")

_stock: dict[tuple, np.ndarray] = {}  # stock's codes per call, shared by the graphs and eager runs


def _stock_codes(w, api: str, text: str, **kwargs) -> np.ndarray:
    key = (id(w), api, text, FRAMES, repr(sorted(kwargs.items())))
    if key not in _stock:
        _stock[key] = stock_codes(w, api, [text], FRAMES, **kwargs)[0]
    return _stock[key]


def _wrapper(folder) -> object:
    return load_wrapper(str(folder), DEVICE)


def _engine(wrapper, max_batch: int, graphs: bool):
    from reader_app.tts.fast import FastEngine, FastSettings, SamplingSettings

    settings = FastSettings(device=DEVICE, dtype="float32", weights="dense", max_batch=max_batch,
                            sampling=SamplingSettings.greedy(), loop_window_frames=0, cuda_graphs=graphs)
    return FastEngine.from_wrapper(wrapper, settings)


def _assert_graphs_used(engine, graphs: bool) -> None:
    """With graphs on, every step ran from a captured graph: a capture that failed (and fell back to eager
    steps) must not pass as graph parity."""
    if not graphs:
        return
    from reader_app.tts.fast.graphs import GraphStepRunner

    for batch, (_stepper, runner, _logits) in engine._steppers.items():
        assert isinstance(runner, GraphStepRunner), batch
        assert not runner.failed, f"batch {batch}: CUDA graph capture failed (see the log)"
        assert runner.captures > 0, f"batch {batch}: no graph was captured"


def _check(wrapper, requests, expected, graphs: bool, batches=(1, 2, 3)):
    for max_batch in batches:
        engine = _engine(wrapper, max_batch, graphs)
        got = engine.generate_codes(requests, max_frames=FRAMES)
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert g.shape == (FRAMES, 16) == e.shape, (max_batch, i)
            mismatch = int((g != e).sum())
            first = int(np.argwhere(g != e)[0][0]) if mismatch else -1
            assert mismatch == 0, (f"{DEVICE} graphs={graphs} max_batch={max_batch} sentence {i}: {mismatch} "
                                   f"codes differ from stock, from frame {first}")
        _assert_graphs_used(engine, graphs)


@graph_modes
def test_custom_voice_single_and_batched(tiny_custom_voice, graphs):
    w = _wrapper(tiny_custom_voice)
    speakers = ["ryan", "vivian", "dylan"]  # dylan: dialect language id with language auto
    langs = ["english", "english", "auto"]
    expected = [_stock_codes(w, "generate_custom_voice", t, speaker=s, language=lang)
                for t, s, lang in zip(TEXTS, speakers, langs, strict=True)]
    requests = [SynthesisRequest(t, VoiceSpec(kind="preset", speaker=s), lang)
                for t, s, lang in zip(TEXTS, speakers, langs, strict=True)]
    _check(w, requests, expected, graphs)


@graph_modes
def test_voice_design(tiny_voice_design, graphs):
    w = _wrapper(tiny_voice_design)
    designs = ["A young woman with a bright voice, speaking quickly and happily.", ""]
    texts = TEXTS[:2]
    expected = [_stock_codes(w, "generate_voice_design", t, instruct=d, language="english")
                for t, d in zip(texts, designs, strict=True)]
    requests = [SynthesisRequest(t, VoiceSpec(kind="design", description=d), "english")
                for t, d in zip(texts, designs, strict=True)]
    _check(w, requests, expected, graphs, batches=(1, 2))


@graph_modes
@pytest.mark.parametrize("icl", [True, False], ids=["icl", "xvector"])
def test_voice_clone(tiny_base, ref_wav, icl, graphs):
    w = _wrapper(tiny_base)
    ref_text = "Hello world! How are you today?" if icl else None
    voice = VoiceSpec(kind="clone", ref_audio=str(ref_wav), ref_text=ref_text)
    engine = _engine(w, 1, graphs)
    item = engine.prompts.clone_item(voice)
    assert item.icl_mode == icl
    texts = TEXTS[1:]
    expected = []
    for t in texts:
        codes = stock_codes(w, "generate_voice_clone", [t], FRAMES, language="english", voice_clone_prompt=[item])
        expected.append(codes[0])
    requests = [SynthesisRequest(t, voice, "english") for t in texts]
    for max_batch in (1, 2):
        engine = _engine(w, max_batch, graphs)
        engine.prompts._clone_items[voice.voice_id] = item  # the same prompt stock was given
        got = engine.generate_codes(requests, max_frames=FRAMES)
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert np.array_equal(g, e), (f"{DEVICE} graphs={graphs} max_batch={max_batch} sentence {i}: "
                                          f"{int((g != e).sum()) if g.shape == e.shape else g.shape} differ")
        _assert_graphs_used(engine, graphs)


def test_eos_frames_match_stock_token_count(tiny_custom_voice):
    """N new tokens give N-1 frames: stock with max_new_tokens=N returns N-1 frames, as our frame count."""
    w = _wrapper(tiny_custom_voice)
    for frames in (1, 5):
        codes = stock_codes(w, "generate_custom_voice", [TEXTS[1]], frames, speaker="ryan", language="english")[0]
        assert codes.shape == (frames, 16)
