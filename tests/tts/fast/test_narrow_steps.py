"""Narrowed steps: on CPU the batcher decodes only slots 0..n-1 (n = 1 + highest occupied slot), which must
give the full-width results for those slots and leave the others untouched.

Codes and every integer/bool buffer must match exactly. Float state (talker hidden, KV caches) may differ in the
last bit: CPU GEMM kernels pick their blocking by row count (MKL treats fewer than 4 rows apart, fbgemm's fp16
kernels take rows in blocks), so rows are not bitwise independent of the batch width, with or without
narrowing (a sentence decoded alone already differs from the same sentence in a batch of 8 by as much)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reader_app.tts.engine import SynthesisRequest, VoiceSpec
from reader_app.tts.fast.batcher import Job
from reader_app.tts.fast.guard import LoopDetector
from tests.support.stock import load_wrapper

TEXTS = ["Hello world! How are you today?",
         "It was the best of times.",
         "Call me Ishmael. Some years ago, never mind how long precisely, I went to sea.",
         "The train was late again."]
SPEAKERS = ["ryan", "vivian", "serena", "aiden"]
_SLOT_STATE = ("code0", "hidden", "pos", "gen_step", "text_len", "trailing", "seen", "n_new", "active", "frame")
_EXACT = ("code0", "pos", "gen_step", "text_len", "trailing", "seen", "n_new", "active", "frame")


def _engine(path, weights: str, max_batch: int):
    from reader_app.tts.fast import FastEngine, FastSettings, SamplingSettings

    settings = FastSettings(device="cpu", dtype="float32", weights=weights, max_batch=max_batch,
                            sampling=SamplingSettings.greedy(), loop_window_frames=0)
    return FastEngine.from_wrapper(load_wrapper(str(path)), settings)


def _requests(n: int) -> list[SynthesisRequest]:
    return [SynthesisRequest(t, VoiceSpec(kind="preset", speaker=s), "english")
            for t, s in zip(TEXTS[:n], SPEAKERS[:n], strict=True)]


def _state(st) -> dict[str, torch.Tensor]:
    out = {name: getattr(st, name).clone() for name in _SLOT_STATE}
    for name, cache in (("talker", st.cache), ("pred", st.pred_cache)):
        for i, (k, v) in enumerate(zip(cache.k, cache.v, strict=True)):
            out[f"{name}.k{i}"] = k.clone()
            out[f"{name}.v{i}"] = v.clone()
    return out


def _restore(st, state: dict[str, torch.Tensor]) -> None:
    for name in _SLOT_STATE:
        getattr(st, name).copy_(state[name])
    for name, cache in (("talker", st.cache), ("pred", st.pred_cache)):
        for i, (k, v) in enumerate(zip(cache.k, cache.v, strict=True)):
            k.copy_(state[f"{name}.k{i}"])
            v.copy_(state[f"{name}.v{i}"])


def _differing(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], rows: slice) -> list[str]:
    return [name for name in a if not torch.equal(a[name][rows], b[name][rows])]


def _not_close(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], rows: slice) -> list[str]:
    """Names whose rows differ: exactly for codes and integer state, beyond float rounding for the rest."""
    return [name for name in a if not (torch.equal(a[name][rows], b[name][rows]) if name in _EXACT
                                       else torch.allclose(a[name][rows], b[name][rows], rtol=1e-5, atol=1e-5))]


@pytest.mark.parametrize("weights", ["dense", "fp16_packed"])
def test_narrowed_step_matches_full_width_and_leaves_other_slots(tiny_custom_voice, weights):
    from reader_app.tts.placement import fbgemm_fp16_available

    if weights == "fp16_packed" and not fbgemm_fp16_available():
        pytest.skip("no fbgemm on this CPU")
    engine = _engine(tiny_custom_voice, weights, max_batch=4)
    st, _, logits = engine._stepper(4)
    logits.allow_eos(False)
    prompts = [engine._prompt(r) for r in _requests(4)]
    # slots at different positions: slot 0 alone first, then 1 and 2, then 3; slot 2 later released
    st.prefill([0], prompts[:1])
    for _ in range(3):
        st.step(64)
    st.prefill([1, 2], prompts[1:3])
    for _ in range(2):
        st.step(64)
    st.prefill([3], prompts[3:])
    st.step(64)
    st.release(2)
    kv_len = int(st.pos.max()) + 1
    for n in (1, 2, 3):
        before = _state(st)
        st.step(kv_len)
        full = _state(st)
        _restore(st, before)
        st.step(kv_len, rows=n)
        narrow = _state(st)
        assert not _not_close(full, narrow, slice(0, n)), f"rows={n}: slots < n differ from full width"
        assert not _differing(before, narrow, slice(n, None)), f"rows={n}: slots >= n were written"
        assert _differing(before, narrow, slice(0, n))  # the narrowed step did decode
        _restore(st, before)
    st.step(kv_len, rows=4)  # rows == batch is the full-width step
    assert torch.equal(st.frame, full["frame"]) and torch.equal(st.code0, full["code0"])
    with pytest.raises(ValueError):
        st.step(kv_len, rows=0)


def test_narrow_views_follow_cache_growth(tiny_custom_voice):
    engine = _engine(tiny_custom_voice, "dense", max_batch=2)
    st = engine._stepper(2)[0]
    st.prefill([0], [engine._prompt(_requests(1)[0])])
    st.step(st.max_len, rows=1)
    view = st._slots(1)
    assert view.cache.k[0].data_ptr() == st.cache.k[0].data_ptr() and view.cache.k[0].shape[0] == 1
    assert st.ensure_capacity(2 * st.max_len + 1, 1)
    st.step(st.max_len, rows=1)
    assert st._slots(1).cache.k[0].data_ptr() == st.cache.k[0].data_ptr()


def test_a_cache_that_grows_during_sentences_gives_the_codes_of_one_made_big_enough(tiny_custom_voice):
    """Off CUDA the talker cache starts at 64 positions and doubles as sentences need it (twice here)."""
    grown = _engine(tiny_custom_voice, "dense", max_batch=2)
    assert grown._stepper(2)[0].max_len == 64
    codes = grown.generate_codes(_requests(2), max_frames=150, suppress_eos=True)
    assert grown._stepper(2)[0].max_len >= 256  # it grew twice on the way
    big = _engine(tiny_custom_voice, "dense", max_batch=2)
    assert big._stepper(2)[0].ensure_capacity(512, 1)
    expected = big.generate_codes(_requests(2), max_frames=150, suppress_eos=True)
    for got, want in zip(codes, expected, strict=True):
        assert got.shape == (150, 16) and np.array_equal(got, want)


@pytest.mark.parametrize("budgets, solo, expected_rows", [
    # slot 0 alone, slots 1 and 2 join, slot 2 ends after 3 frames, slot 0 after 5, slot 1 after 10
    ([5, 10, 3], 0, [1] + [3] * 3 + [2] * 7),
    # as above, but a fourth sentence refills slot 2 when it frees, so the width stays 3 until it ends
    ([5, 10, 3, 4], 0, [1] + [3] * 7 + [2] * 3),
    # the first sentence decodes its first 4 frames (its first audio chunk) alone before the others join
    ([6, 10, 3], 4, [1] * 4 + [3] * 3 + [2] * 7),
    # a lead sentence that ends before its solo frames lets the others in (one, then the next)
    ([2, 5, 3], 4, [1] * 3 + [2] * 3 + [1]),
])
def test_batcher_narrows_on_cpu_and_keeps_codes(tiny_custom_voice, budgets, solo, expected_rows):
    n = len(budgets)
    requests = _requests(n)
    engine = _engine(tiny_custom_voice, "dense", max_batch=3)
    batcher = engine._batcher(n, suppress_eos=True)
    assert batcher.narrow and batcher.solo_frames == engine.fast_settings.first_chunk_frames
    batcher.solo_frames = solo
    seen: list[int | None] = []
    run_step = batcher.run_step

    def spy(kv_len, rows=None):
        seen.append(rows)
        run_step(kv_len, rows)

    batcher.run_step = spy
    prompts = [engine._prompt(r) for r in requests]
    jobs = [Job(index=i, prompt=p, budget=b, loop=LoopDetector(0))
            for i, (p, b) in enumerate(zip(prompts, budgets, strict=True))]
    got: dict[int, list[np.ndarray]] = {i: [] for i in range(n)}
    for ev in batcher.run(jobs):
        got[ev.index].append(ev.frames)
    assert seen == expected_rows
    alone = _engine(tiny_custom_voice, "dense", max_batch=1)
    for i, budget in enumerate(budgets):
        want = alone.generate_codes([requests[i]], max_frames=budget, suppress_eos=True)[0]
        assert np.array_equal(np.concatenate(got[i]), want), f"sentence {i} differs from decoding it alone"


def test_full_width_batcher_gives_same_codes(tiny_custom_voice):
    """narrow=False (the CUDA behaviour) steps every slot every time, with the same codes."""
    requests = _requests(3)
    engine = _engine(tiny_custom_voice, "dense", max_batch=3)
    narrowed = engine.generate_codes(requests, max_frames=12, suppress_eos=True)
    batcher = engine._batcher(3, suppress_eos=True)
    batcher.narrow = False
    widths: list[int] = []
    original = batcher.run_step

    def spy(kv_len, *rest):
        assert not rest
        widths.append(kv_len)
        original(kv_len)

    batcher.run_step = spy
    out: dict[int, list[np.ndarray]] = {i: [] for i in range(3)}
    for ev in batcher.run(engine._jobs(requests, [engine._prompt(r) for r in requests], 12, True)):
        out[ev.index].append(ev.frames)
    assert widths
    for i in range(3):
        assert np.array_equal(np.concatenate(out[i]), narrowed[i])
