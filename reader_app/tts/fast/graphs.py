"""CUDA graphs for the per-frame step: capture once per KV-length bucket, then replay.

A frame is ~1,000 small kernels (talker step + 15 predictor steps + sampling); replaying a captured graph
removes the per-kernel launch and Python cost that dominates single-stream decoding on a GPU. The step only
touches the stepper's static buffers, so a graph stays valid until those buffers are reallocated (cache growth
bumps `FrameStepper.version`, which drops the graphs). Sampling draws from the default CUDA generator, which
graphs handle natively (a private torch.Generator needs registration that not every torch build offers).

Untested on a real GPU here (the development machines have none); the CPU test suite checks the plain path,
and `GraphStepRunner` falls back to eager steps if capture fails.
"""

from __future__ import annotations

import logging

import torch

from reader_app.tts.fast.step import FrameStepper

log = logging.getLogger(__name__)

_STATE = ("code0", "hidden", "pos", "gen_step", "n_new", "seen", "frame")


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

    def __call__(self, kv_len: int) -> None:
        st = self.stepper
        if self.failed:
            st.step(kv_len)
            return
        if st.version != self._version:  # buffers were reallocated: old graphs point at freed memory
            self._graphs.clear()
            self._version = st.version
        graph = self._graphs.get(kv_len)
        if graph is None:
            try:
                graph = self._capture(kv_len)
            except Exception:  # keep decoding without graphs rather than failing the sentence
                log.exception("CUDA graph capture failed; continuing with eager steps")
                self.failed = True
                st.step(kv_len)
                return
            self._graphs[kv_len] = graph
        graph.replay()

    def _capture(self, kv_len: int) -> torch.cuda.CUDAGraph:
        st = self.stepper
        saved = {name: getattr(st, name).clone() for name in _STATE}
        rng = torch.cuda.get_rng_state(st.device)
        side = torch.cuda.Stream(st.device)
        side.wait_stream(torch.cuda.current_stream(st.device))
        with torch.cuda.stream(side):  # warm-up runs lazy initialisation (cuBLAS handles, kernels) off-graph
            for _ in range(self.warmup_steps):
                st.step(kv_len)
        torch.cuda.current_stream(st.device).wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self._pool):
            st.step(kv_len)
        # warm-up advanced the state and wrote cache rows at positions the real step rewrites: undo the rest
        for name, value in saved.items():
            getattr(st, name).copy_(value)
        torch.cuda.set_rng_state(rng, st.device)
        return graph
