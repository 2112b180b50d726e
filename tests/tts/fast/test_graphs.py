"""The CUDA-graph runner's contract, checked where it can be.

On any device: `STEP_STATE` names every per-slot buffer a step writes (the runner puts exactly these back after
its warm-up steps, also when the capture fails), and `restored_state` really undoes steps. On CUDA
(READER_APP_TEST_DEVICE=cuda, as scripts/gpu_check.sh runs them): graph replay gives the codes of the same
steps run eagerly, over several KV-length buckets and a cache reallocation, and sampling under graphs follows
its seed and draws fresh noise on every replay.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reader_app.tts.engine import SynthesisRequest, VoiceSpec
from reader_app.tts.fast.graphs import STEP_STATE, restored_state
from tests.support.stock import load_wrapper, parity_device

DEVICE = parity_device()
cuda_only = pytest.mark.skipif(not DEVICE.startswith("cuda"), reason="needs READER_APP_TEST_DEVICE=cuda")

TEXTS = ["Hello world! How are you today?",
         "It was the best of times.",
         "Call me Ishmael. Some years ago, never mind how long precisely, I went to sea.",
         "The train was late again."]
SPEAKERS = ["ryan", "vivian", "serena", "aiden"]


def _requests(n: int) -> list[SynthesisRequest]:
    return [SynthesisRequest(t, VoiceSpec(kind="preset", speaker=s), "english")
            for t, s in zip(TEXTS[:n], SPEAKERS[:n], strict=True)]


def _engine(path, max_batch: int, graphs: bool, sampling=None, seed: int | None = 0):
    from reader_app.tts.fast import FastEngine, FastSettings, SamplingSettings

    settings = FastSettings(device=DEVICE, dtype="float32", weights="dense", max_batch=max_batch,
                            sampling=sampling or SamplingSettings.greedy(), loop_window_frames=0,
                            cuda_graphs=graphs, seed=seed)
    return FastEngine.from_wrapper(load_wrapper(str(path), DEVICE), settings)


def _tensors(st) -> dict[str, torch.Tensor]:
    return {name: value.clone() for name, value in vars(st).items() if isinstance(value, torch.Tensor)}


def _started_stepper(path):
    """A stepper of 3 slots, two of them decoding (at different positions), one empty."""
    engine = _engine(path, 3, graphs=False)
    st, _, logits = engine._stepper(3)
    logits.allow_eos(False)
    prompts = [engine._prompt(r) for r in _requests(2)]
    st.prefill([0], prompts[:1])
    st.step(64)
    st.prefill([2], prompts[1:])
    return st


def test_step_state_names_every_buffer_a_step_writes(tiny_custom_voice):
    st = _started_stepper(tiny_custom_voice)
    assert all(isinstance(getattr(st, name), torch.Tensor) for name in STEP_STATE)
    before = _tensors(st)
    for _ in range(2):
        st.step(64)
    after = _tensors(st)
    changed = {name for name in before if not torch.equal(before[name], after[name])}
    # KV caches live in StaticKVCache objects, not in these attributes: rows the warm-up wrote are rewritten
    # by the real step at the same position before any step reads them.
    assert changed <= set(STEP_STATE), f"the step writes {sorted(changed - set(STEP_STATE))} too"
    assert {"code0", "pos", "frame"} <= changed  # the step did decode


@pytest.mark.parametrize("fail", [False, True], ids=["ok", "raised"])
def test_restored_state_undoes_steps(tiny_custom_voice, fail):
    reference = _started_stepper(tiny_custom_voice)
    expected = []
    for _ in range(3):
        reference.step(64)
        expected.append(reference.frame.clone())

    st = _started_stepper(tiny_custom_voice)
    with pytest.raises(RuntimeError) if fail else _nothing():
        with restored_state(st):
            st.step(64)
            st.step(64)
            if fail:
                raise RuntimeError("capture failed")  # as a failing capture after its warm-up
    for frame in expected:
        st.step(64)
        assert torch.equal(st.frame, frame)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> bool:
        return False


def _eager_runner(engine, batch: int) -> None:
    """Same stepper, KV buckets and full-width steps as the graph path, but every step launched eagerly."""
    stepper, _runner, logits = engine._stepper(batch)
    engine._steppers[batch] = (stepper, stepper.step, logits)


@cuda_only
def test_graph_replay_equals_eager_steps_across_buckets_and_growth(tiny_custom_voice):
    from reader_app.tts.fast.graphs import GraphStepRunner

    frames = 300  # prompt + 300 frames crosses five 64-position buckets and the first 256-position cache
    requests = _requests(4)  # 4 sentences on 3 slots: a refill mid-run
    graphed = _engine(tiny_custom_voice, 3, graphs=True)
    got = graphed.generate_codes(requests, max_frames=frames)
    runner = graphed._steppers[3][1]
    assert isinstance(runner, GraphStepRunner) and not runner.failed
    assert runner.captures > runner.graph_count >= 1  # the cache grew: stale graphs were dropped, recaptured
    eager = _engine(tiny_custom_voice, 3, graphs=True)
    _eager_runner(eager, 3)
    expected = eager.generate_codes(requests, max_frames=frames)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert g.shape == e.shape == (frames, 16)
        assert np.array_equal(g, e), f"sentence {i}: {int((g != e).sum())} codes differ between replay and eager"


@cuda_only
def test_sampling_under_graphs_follows_the_seed_and_draws_fresh_noise(tiny_custom_voice):
    from reader_app.tts.fast import SamplingSettings

    frames = 48
    requests = _requests(2)
    sampling = SamplingSettings()  # the checkpoint's defaults: sampling on
    runs = {seed: _engine(tiny_custom_voice, 2, True, sampling, seed).generate_codes(requests, max_frames=frames)
            for seed in (0, 1)}
    again = _engine(tiny_custom_voice, 2, True, sampling, 0).generate_codes(requests, max_frames=frames)
    assert all(np.array_equal(a, b) for a, b in zip(runs[0], again, strict=True)), "same seed, other codes"
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0], runs[1], strict=True)), "seed ignored"
    for codes in runs[0]:  # replaying one graph must not replay the same noise: frames keep changing
        assert len({tuple(row) for row in codes}) > frames // 2
    # The same steps launched eagerly draw from the same generator at the same offsets: the same codes.
    eager = _engine(tiny_custom_voice, 2, True, sampling, 0)
    _eager_runner(eager, 2)
    got = eager.generate_codes(requests, max_frames=frames)
    assert all(np.array_equal(a, b) for a, b in zip(runs[0], got, strict=True)), "replay draws other noise"
