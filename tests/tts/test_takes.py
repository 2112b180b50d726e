"""A new take is a new draw: both engines sample a take n > 0 with its own seed, alone, so take 1 differs from take
0, take 1 made twice is the same, and a take batched with other sentences sounds as it does alone. Real engines on
the tiny checkpoints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reader_app.tts.engine import SynthesisRequest, VoiceSpec, take_groups, take_seed

VOICE = VoiceSpec(kind="preset", speaker="aiden")


def _req(text: str, take: int = 0) -> SynthesisRequest:
    return SynthesisRequest(text, VOICE, "English", take)


def test_take_seeds_and_groups() -> None:
    assert take_seed(7, 0) == 7 and take_seed(None, 0) is None
    assert len({take_seed(7, n) for n in range(5)}) == 5
    assert take_seed(None, 2) == take_seed(0, 2)  # a later take is reproducible even without a seed
    assert take_groups([_req("a"), _req("b", 2), _req("c"), _req("d", 1)]) == [[0, 2], [1], [3]]


@pytest.fixture(scope="module")
def fast(tiny_custom_voice: Path):
    import torch

    from reader_app.tts.fast import load_fast_engine

    torch.set_num_threads(1)
    return load_fast_engine(tiny_custom_voice, device="cpu", threads=1, max_frames=8)


def test_fast_engine_draws_a_new_take(fast) -> None:
    text = "The rain fell on the roofs of the town."
    first, = fast.generate_codes([_req(text)], max_frames=8, suppress_eos=True)
    one, = fast.generate_codes([_req(text, 1)], max_frames=8, suppress_eos=True)
    again, = fast.generate_codes([_req(text, 1)], max_frames=8, suppress_eos=True)
    two, = fast.generate_codes([_req(text, 2)], max_frames=8, suppress_eos=True)
    assert not np.array_equal(first, one) and not np.array_equal(one, two)
    assert np.array_equal(one, again)
    # In a batch with other sentences the take still draws alone: the same codes.
    mixed = fast.generate_codes([_req("Other words."), _req(text, 1), _req(text)], max_frames=8,
                                suppress_eos=True)
    assert np.array_equal(mixed[1], one)
    pair = fast.generate_codes([_req("Other words."), _req(text)], max_frames=8, suppress_eos=True)
    assert np.array_equal(mixed[0], pair[0]) and np.array_equal(mixed[2], pair[1])  # take 0 batched as before


def test_fast_engine_streams_takes_under_their_own_index(fast) -> None:
    clips = fast.synthesize([_req("Hello there."), _req("Hello there.", 3)])
    alone = fast.synthesize([_req("Hello there.", 3)])
    assert len(clips) == 2
    assert np.array_equal(clips[1].samples, alone[0].samples)


def test_stock_engine_draws_a_new_take(tiny_custom_voice: Path) -> None:
    from reader_app.tts.stock.engine import QwenEngine

    engine = QwenEngine(tiny_custom_voice, device="cpu", threads=1, seed=5, max_frames_per_char=0.5,
                        margin_frames=3, trim=False)
    text = "A quiet evening by the sea."
    first, = engine.synthesize([_req(text)])
    one, = engine.synthesize([_req(text, 1)])
    again, = engine.synthesize([_req(text, 1)])
    assert np.array_equal(one.samples, again.samples)
    assert not (len(first.samples) == len(one.samples) and np.array_equal(first.samples, one.samples))
    mixed = engine.synthesize([_req("Other words."), _req(text, 1)])
    assert np.array_equal(mixed[1].samples, one.samples)
