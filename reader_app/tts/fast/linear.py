"""Linear layers of the fast path: fused projections; dense, fbgemm fp16-packed or int8 weights."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from reader_app.tts.fast.config import WeightFormat
from reader_app.tts.placement import int8_reduce_range


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


class PackedFp16Module(nn.Module):
    """An nn.Linear swapped for PackedFp16Linear inside a stock module (the codec's transformer), so the stock
    forward runs on it: one fp16 copy of the weight instead of the fp32 one."""

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        self.op = PackedFp16Linear(linear.weight, linear.bias)
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


def pack_linears_fp16(module: nn.Module) -> int:
    """Replace every nn.Linear under `module` (fp32, CPU) by a PackedFp16Module; returns how many."""
    swapped = 0
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Linear):
                setattr(parent, name, PackedFp16Module(child))
                swapped += 1
    return swapped


_SPAN_COLUMNS = 4  # zero-weight input columns holding -1 and +1 (4: fbgemm packs K in groups of 4)
_KEPT_ROWS = 64  # input buffers are kept for decode steps up to this many rows; a prefill's are made per call


class Int8Linear:
    """Weights as int8 with one scale per output channel (fbgemm packs them for its u8 x s8 -> s32 kernels);
    activations are quantised to 8 bits per row on the fly, and the products dequantised to fp32.

    fbgemm's dynamic linear picks one quantisation range for the whole input, so each row is scaled to
    max |x| = 1 and carries -1 and +1 in extra input columns whose weights are zero: every row is quantised
    over exactly [-1, 1] whatever else is in the batch (a sentence's audio does not depend on its batch mates;
    integer products are exact), with 8 bits over its own magnitude. Rows are scaled back after the product.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, reduce_range: bool) -> None:
        w = weight.detach().to("cpu", torch.float32)
        scale = (w.abs().amax(dim=1) / 127.0).clamp_min(1e-12).double()
        w = F.pad(w, (0, _SPAN_COLUMNS))
        zero = torch.zeros(w.shape[0], dtype=torch.long)
        with warnings.catch_warnings():  # torch marks quantized tensors deprecated; fbgemm's ops still take them
            warnings.simplefilter("ignore")
            q = torch.quantize_per_channel(w, scale, zero, 0, torch.qint8)
        self.packed = torch.ops.quantized.linear_prepack(q, None)
        self.bias = None if bias is None else bias.detach().to("cpu", torch.float32).contiguous()
        self.out_features = w.shape[0]
        self.in_features = w.shape[1] - _SPAN_COLUMNS
        # Without VNNI fbgemm sums u8 x s8 pairs in saturating int16: 7-bit activations keep those sums exact.
        self.reduce_range = reduce_range
        self._buffers: dict[int, torch.Tensor] = {}  # rows -> (rows, in + span) input buffer of decode steps

    def _buffer(self, rows: int) -> torch.Tensor:
        buf = self._buffers.get(rows)
        if buf is None:
            buf = torch.zeros(rows, self.in_features + _SPAN_COLUMNS)
            buf[:, self.in_features], buf[:, self.in_features + 1] = -1.0, 1.0
            if rows <= _KEPT_ROWS:  # prompts of every length would otherwise each leave a buffer per layer
                self._buffers[rows] = buf
        return buf

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:-1]
        rows = x.reshape(-1, x.shape[-1])
        norm = torch.linalg.vector_norm(rows, ord=float("inf"), dim=-1, keepdim=True).clamp_min_(1e-30)
        buf = self._buffer(rows.shape[0])
        torch.div(rows, norm, out=buf[:, :self.in_features])
        y = torch.ops.quantized.linear_dynamic(buf, self.packed, self.reduce_range).mul_(norm)
        if self.bias is not None:
            y.add_(self.bias)
        return y.view(*lead, self.out_features)


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
    if fmt in (WeightFormat.FP16_PACKED, WeightFormat.INT8):
        w = torch.cat([x.float().cpu() for x in weights]) if len(weights) > 1 else weights[0]
        b = (torch.cat([x.float().cpu() for x in biases]) if len(biases) > 1 else biases[0]) if has_bias else None
        if fmt == WeightFormat.INT8:
            return Int8Linear(w, b, int8_reduce_range())
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
