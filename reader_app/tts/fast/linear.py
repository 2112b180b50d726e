"""Linear layers of the fast path: fused projections, dense or fbgemm fp16-packed weights."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn


class LinearOp(Protocol):
    out_features: int

    def __call__(self, x: torch.Tensor) -> torch.Tensor: ...


class DenseLinear:
    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
        self.weight = weight
        self.bias = bias
        self.out_features = weight.shape[0]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias)


class PackedFp16Linear:
    """fbgemm keeps the weight as fp16 (half of fp32's memory traffic) and multiplies in fp32 with AVX2;
    on CPUs without native bf16 this beats both fp32 and bf16 dense GEMMs, most of all for small batches."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
        w = weight.detach().to("cpu", torch.float32).contiguous()
        b = None if bias is None else bias.detach().to("cpu", torch.float32).contiguous()
        self.packed = torch.ops.quantized.linear_prepack_fp16(w, b)
        self.out_features = w.shape[0]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.quantized.linear_dynamic_fp16(x, self.packed)


def fuse_linears(modules: Sequence[nn.Linear], fmt: str, dtype: torch.dtype, device: torch.device) -> LinearOp:
    """One op for several linears that read the same input (q/k/v, gate/up): fewer, larger GEMMs.

    Dense weights already in the wanted dtype and device become views of the fused tensor, so the stock model
    keeps working and no memory is duplicated.
    """
    weights = [m.weight.detach() for m in modules]
    biases = [m.bias.detach() if m.bias is not None else None for m in modules]
    has_bias = any(b is not None for b in biases)
    if has_bias:
        biases = [b if b is not None else torch.zeros(w.shape[0], dtype=w.dtype, device=w.device)
                  for b, w in zip(biases, weights, strict=True)]
    if fmt == "fp16_packed":
        w = torch.cat([x.float().cpu() for x in weights]) if len(weights) > 1 else weights[0]
        b = (torch.cat([x.float().cpu() for x in biases]) if len(biases) > 1 else biases[0]) if has_bias else None
        return PackedFp16Linear(w, b)
    same = all(x.dtype == dtype and x.device == device for x in weights)
    if len(modules) == 1:
        w = weights[0] if same else weights[0].to(device, dtype)
        b = (biases[0].to(device, dtype)) if has_bias else None
        return DenseLinear(w, b)
    fused = torch.cat([x.to(device, dtype) for x in weights]).contiguous()
    if same:
        offset = 0
        for m, x in zip(modules, weights, strict=True):
            m.weight.data = fused[offset: offset + x.shape[0]]
            offset += x.shape[0]
    bias = torch.cat([x.to(device, dtype) for x in biases]) if has_bias else None
    return DenseLinear(fused, bias)


def single_linear(module: nn.Module, fmt: str, dtype: torch.dtype, device: torch.device) -> LinearOp | None:
    """A LinearOp for nn.Linear; None for nn.Identity (e.g. the predictor's input projection at equal sizes)."""
    if isinstance(module, nn.Identity):
        return None
    assert isinstance(module, nn.Linear), type(module)
    return fuse_linears([module], fmt, dtype, device)
