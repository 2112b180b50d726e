"""How far lower-precision weights move the model's decisions: teacher-forced against fp32 (`bench --fidelity`).

The fp32 engine (dense fp32 weights, greedy, EOS suppressed) decodes `frames` frames of a sentence, keeping
every step's logits. Each candidate weight format then decodes the same sentence forced onto that fp32 history
(each step is fed fp32's tokens, whatever it would have picked), so every step compares like with like:
- the relative logit error ||l - l_fp32|| / ||l_fp32|| per step (p50, p99), talker and code predictor apart;
- top-1 agreement: how often the candidate's own greedy pick equals fp32's token.

`q8_0` emulates qwentts.cpp's CPU arithmetic in fp32: every matrix (layers, heads, embeddings) in GGML's Q8_0
blocks (32 weights, an fp16 scale) and each activation row quantised to Q8_0 blocks before the product, as
ggml's q8_0 x q8_0 dot product does. The peer's own API cannot be teacher-forced (it only generates).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from reader_app.tts.engine import SynthesisRequest
from reader_app.tts.fast import FastEngine, FastSettings, SamplingSettings
from reader_app.tts.fast.config import WeightFormat
from reader_app.tts.fast.linear import DenseLinear
from reader_app.tts.fast.parts import ModelParts
from reader_app.tts.fast.sampling import SamplerParams

Q8_0 = "q8_0"  # the emulated peer arithmetic (not a WeightFormat of the app)
Q8_BLOCK = 32


@dataclasses.dataclass
class _Trace:
    """Logits of every choice in call order, and the tokens returned (float32 on the CPU)."""

    talker: list[torch.Tensor] = dataclasses.field(default_factory=list)
    groups: list[torch.Tensor] = dataclasses.field(default_factory=list)
    talker_tokens: list[int] = dataclasses.field(default_factory=list)
    group_tokens: list[int] = dataclasses.field(default_factory=list)


def _recorder(trace: _Trace, forced: _Trace | None) -> Callable[[torch.Tensor, SamplerParams, int | None],
                                                                 torch.Tensor]:
    """A FrameStepper.choose that keeps the logits and returns fp32's token (or its own greedy pick)."""

    def choose(logits: torch.Tensor, params: SamplerParams, group: int | None) -> torch.Tensor:
        own = logits.argmax(dim=-1)
        if group is None:
            trace.talker.append(logits[0].detach().float().cpu())
            tokens, mine = (forced.talker_tokens if forced else None), trace.talker_tokens
        else:
            trace.groups.append(logits[0].detach().float().cpu())
            tokens, mine = (forced.group_tokens if forced else None), trace.group_tokens
        tok = own if tokens is None else torch.tensor([tokens[len(mine)]], device=logits.device)
        mine.append(int(tok[0]))
        return tok

    return choose


def _decode(engine: FastEngine, request: SynthesisRequest, frames: int, forced: _Trace | None) -> _Trace:
    stepper, _, logits = engine.stepper(1)
    logits.allow_eos(False)
    trace = _Trace()
    stepper.choose = _recorder(trace, forced)  # type: ignore[method-assign,assignment]
    try:
        prompt = engine.build_prompt(request)
        stepper.ensure_capacity(prompt.embeds.shape[0] + frames + 2, prompt.trailing.shape[0])
        stepper.prefill([0], [prompt])
        for _ in range(frames):
            stepper.step(int(stepper.pos[0]) + 1)
    finally:
        del stepper.choose
        stepper.release(0)
    return trace


def _rel_errors(got: list[torch.Tensor], ref: list[torch.Tensor]) -> np.ndarray:
    errors = []
    for g, r in zip(got, ref, strict=True):
        keep = torch.isfinite(r) & torch.isfinite(g)
        errors.append(float((g[keep] - r[keep]).norm() / r[keep].norm().clamp_min(1e-12)))
    return np.asarray(errors)


def _agreement(got: list[torch.Tensor], tokens: list[int]) -> float:
    return float(np.mean([int(g.argmax()) == t for g, t in zip(got, tokens, strict=True)]))


def compare(trace: _Trace, ref: _Trace) -> dict[str, float]:
    talker, groups = _rel_errors(trace.talker, ref.talker), _rel_errors(trace.groups, ref.groups)
    return dict(talker_logit_rel_err_p50=round(float(np.percentile(talker, 50)), 5),
                talker_logit_rel_err_p99=round(float(np.percentile(talker, 99)), 5),
                predictor_logit_rel_err_p50=round(float(np.percentile(groups, 50)), 5),
                predictor_logit_rel_err_p99=round(float(np.percentile(groups, 99)), 5),
                talker_top1_agreement=round(_agreement(trace.talker, ref.talker_tokens), 4),
                predictor_top1_agreement=round(_agreement(trace.groups, ref.group_tokens), 4))


# -- the peer's Q8_0, emulated ----------------------------------------------------------------------------------
def q8_0_round(x: torch.Tensor) -> torch.Tensor:
    """x (..., K) with K a multiple of 32 through GGML's Q8_0 (d = max|x| / 127 in fp16, round(x / d))."""
    blocks = x.float().reshape(*x.shape[:-1], -1, Q8_BLOCK)
    d = (blocks.abs().amax(dim=-1, keepdim=True) / 127.0).half().float()
    q = torch.where(d > 0, torch.round(blocks / d.clamp_min(1e-30)), torch.zeros_like(blocks))
    return (q * d).reshape(x.shape)


class Q8_0Linear:
    """A dense fp32 linear whose weight and input rows are rounded through Q8_0 blocks first."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
        self.weight = q8_0_round(weight.float())
        self.bias = None if bias is None else bias.float()
        self.out_features = weight.shape[0]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(q8_0_round(x), self.weight, self.bias)


def _q8(op: Any) -> Any:
    if isinstance(op, DenseLinear) and op.weight.shape[1] % Q8_BLOCK == 0:
        return Q8_0Linear(op.weight, op.bias)
    return op


def emulate_q8_0(parts: ModelParts) -> None:
    """Turn dense fp32 parts into the peer's arithmetic, in place (2-D tensors with rows of 32k values)."""
    for stack in (parts.talker, parts.predictor):
        for layer in stack.layers:
            layer.qkv, layer.o = _q8(layer.qkv), _q8(layer.o)
            layer.gate_up, layer.down = _q8(layer.gate_up), _q8(layer.down)
    parts.codec_head = _q8(parts.codec_head)
    parts.pred_heads = [_q8(h) for h in parts.pred_heads]
    parts.pred_proj = _q8(parts.pred_proj) if parts.pred_proj is not None else None
    parts.codec_embed = q8_0_round(parts.codec_embed)
    parts.pred_embed = q8_0_round(parts.pred_embed)


# -- the table --------------------------------------------------------------------------------------------------
def _engine(wrapper: Any, weights: str, dtype: str = "float32") -> FastEngine:
    settings = FastSettings(device="cpu", dtype=dtype, weights=weights, max_batch=1,
                            sampling=SamplingSettings.greedy(), trim_silence=False, max_silence_s=0)
    return FastEngine.from_wrapper(wrapper, settings, model_id="fidelity")


def candidate_formats(cpu_bf16: bool) -> list[str]:
    formats = [WeightFormat.FP16_PACKED, WeightFormat.INT8, Q8_0]
    return formats + (["bf16"] if cpu_bf16 else [])


def fidelity_table(wrapper: Any, requests: Iterable[SynthesisRequest], frames: int,
                   formats: list[str]) -> dict[str, dict[str, float]]:
    """Per format, the comparison against fp32 over `frames` frames of each request (errors pooled).

    `wrapper` should hold fp32 weights (the reference is then exactly fp32 arithmetic on them)."""
    traces: dict[str, list[tuple[_Trace, _Trace]]] = {f: [] for f in formats}
    reference = _engine(wrapper, WeightFormat.DENSE)
    candidates: dict[str, FastEngine] = {}
    for fmt in formats:
        if fmt == Q8_0:
            candidates[fmt] = _engine(wrapper, WeightFormat.DENSE)
            emulate_q8_0(candidates[fmt].parts)
        elif fmt == "bf16":
            candidates[fmt] = _engine(wrapper, WeightFormat.DENSE, "bfloat16")
        else:
            candidates[fmt] = _engine(wrapper, fmt)
    for request in requests:
        ref = _decode(reference, request, frames, None)
        for fmt, engine in candidates.items():
            traces[fmt].append((_decode(engine, request, frames, ref), ref))
    table = {}
    for fmt, pairs in traces.items():
        merged, merged_ref = _Trace(), _Trace()
        for got, ref in pairs:
            for field in dataclasses.fields(_Trace):
                getattr(merged, field.name).extend(getattr(got, field.name))
                getattr(merged_ref, field.name).extend(getattr(ref, field.name))
        table[fmt] = compare(merged, merged_ref)
    return table
