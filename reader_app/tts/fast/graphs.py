"""CUDA graphs for the per-frame step: capture once per KV-length bucket, then replay.

A frame is ~1,000 small kernels (talker step + 15 predictor steps + sampling); replaying a captured graph
removes the per-kernel launch and Python cost that dominates single-stream decoding on a GPU. The step only
touches the stepper's static buffers, so a graph stays valid until those buffers are reallocated (cache growth
bumps `FrameStepper.version`, which drops the graphs). Sampling draws from the default CUDA generator, which
graphs handle natively (a private torch.Generator needs registration that not every torch build offers).

What the captured step must never do (docs/engine.md, "CUDA graphs: review"): read a tensor on the host
(.item(), .cpu(), a Python `if` on a tensor), change a shape between replays, keep a tensor it created past the
step (all outputs go into the stepper's buffers), or draw from a private generator. The warm-up runs the step
for real, so the state it advanced is put back, also when the capture fails and decoding goes on eagerly.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

import torch

from reader_app.tts.fast.step import FrameStepper

log = logging.getLogger(__name__)

# Every per-slot buffer the step writes, besides cache rows it rewrites before reading them
# (tests/tts/fast/test_graphs.py checks this list against what a step actually changes).
STEP_STATE = ("code0", "hidden", "pos", "gen_step", "n_new", "seen", "frame")


@contextlib.contextmanager
def restored_state(stepper: FrameStepper, rng: tuple[Callable[[], torch.Tensor],
                                                     Callable[[torch.Tensor], None]] | None = None) -> Iterator[None]:
    """Run a block (warm-up steps, a capture) and put back every buffer the step writes, and the RNG state,
    whatever the block did or raised: a failed capture must not leave the sentences frames ahead."""
    saved = {name: getattr(stepper, name).clone() for name in STEP_STATE}
    rng_state = rng[0]() if rng is not None else None
    try:
        yield
    finally:
        for name, value in saved.items():
            getattr(stepper, name).copy_(value)
        if rng is not None and rng_state is not None:
            rng[1](rng_state)


class GraphStepRunner:
    def __init__(self, stepper: FrameStepper, warmup_steps: int = 2) -> None:
        if stepper.device.type != "cuda":
            raise ValueError("CUDA graphs need a CUDA device")
        self.stepper = stepper
        self.warmup_steps = warmup_steps
        self._graphs: dict[int, torch.cuda.CUDAGraph] = {}
        self._version = stepper.version
        self._pool = torch.cuda.graph_pool_handle()
        self.failed = False
        self.captures = 0  # graphs captured over this runner's life (stale ones included): for checks

    @property
    def graph_count(self) -> int:
        """Graphs held now (one per KV-length bucket since the last buffer reallocation)."""
        return len(self._graphs)

    def __call__(self, kv_len: int) -> None:
        st = self.stepper
        if self.failed:
            st.step(kv_len)
            return
        if st.version != self._version:  # buffers were reallocated: old graphs point at freed memory
            self._graphs.clear()
            self._version = st.version
        graph = self._graphs.get(kv_len)
        # The stepper's device, not whichever is current: capture stream, pool and replay all belong to it.
        with torch.cuda.device(st.device):
            if graph is None:
                try:
                    graph = self._capture(kv_len)
                except Exception:  # keep decoding without graphs rather than failing the sentence
                    log.exception("CUDA graph capture failed; continuing with eager steps")
                    self.failed = True
                    self._graphs.clear()
                    st.step(kv_len)
                    return
                self._graphs[kv_len] = graph
                self.captures += 1
            graph.replay()

    def _capture(self, kv_len: int) -> torch.cuda.CUDAGraph:
        st = self.stepper
        dev = st.device
        rng = (lambda: torch.cuda.get_rng_state(dev), lambda s: torch.cuda.set_rng_state(s, dev))
        with restored_state(st, rng):
            side = torch.cuda.Stream(dev)
            side.wait_stream(torch.cuda.current_stream(dev))
            with torch.cuda.stream(side):  # warm-up runs lazy initialisation (cuBLAS handles, kernels) off-graph
                for _ in range(self.warmup_steps):
                    st.step(kv_len)
            torch.cuda.current_stream(dev).wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            # thread_local: CUDA work of other threads (the app's other engines, a voice preview) neither breaks
            # this capture nor fails there; this thread does nothing but the step while capturing.
            with torch.cuda.graph(graph, pool=self._pool, capture_error_mode="thread_local"):
                st.step(kv_len)
        # The warm-up also wrote cache rows at positions the real steps rewrite before they read them.
        return graph
