"""Device, dtype and weight-format choice for the fast engine."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

_DTYPES = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
           "float16": torch.float16, "fp16": torch.float16}


@dataclass(frozen=True)
class Placement:
    device: torch.device
    dtype: torch.dtype  # activations and dense weights
    weights: str  # dense | fp16_packed

    @property
    def label(self) -> str:
        return f"{self.device.type}/{str(self.dtype).removeprefix('torch.')}/{self.weights}"


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("CUDA was requested but no CUDA device is available")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError("MPS was requested but is not available")
    return device


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when this CPU does bf16 math in hardware (AVX512-BF16 or AMX); otherwise bf16 GEMMs are emulated
    and cost about as much per row as the whole weight read, which ruins batching."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = f.read()
        return "avx512_bf16" in flags or "amx_bf16" in flags
    except OSError:
        return False


@functools.lru_cache(maxsize=1)
def fbgemm_fp16_available() -> bool:
    try:
        if "fbgemm" not in torch.backends.quantized.supported_engines:
            return False
        packed = torch.ops.quantized.linear_prepack_fp16(torch.ones(8, 8), None)
        torch.ops.quantized.linear_dynamic_fp16(torch.ones(2, 8), packed)
        return True
    except Exception:  # missing op or unsupported CPU
        return False


def resolve_placement(device: str = "auto", dtype: str = "auto", weights: str = "auto") -> Placement:
    dev = resolve_device(device)
    if dtype == "auto":
        if dev.type == "cuda":
            dt = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        elif dev.type == "mps":
            dt = torch.float16  # bf16 support on MPS depends on the OS version; fp16 is safe
        else:
            dt = torch.bfloat16 if cpu_has_native_bf16() else torch.float32
    else:
        if dtype not in _DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}; use one of auto, {', '.join(sorted(_DTYPES))}")
        dt = _DTYPES[dtype]
    if weights == "auto":
        packed = dev.type == "cpu" and dt == torch.float32 and fbgemm_fp16_available() and dtype == "auto"
        fmt = "fp16_packed" if packed else "dense"
    elif weights == "fp16_packed":
        if dev.type != "cpu" or not fbgemm_fp16_available():
            raise ValueError("fp16_packed weights need a CPU with fbgemm")
        dt = torch.float32  # fbgemm computes in fp32
        fmt = weights
    elif weights == "dense":
        fmt = weights
    else:
        raise ValueError(f"unknown weights format {weights!r}; use auto, dense or fp16_packed")
    return Placement(dev, dt, fmt)


def model_load_dtype(placement: Placement) -> torch.dtype:
    """dtype to load the stock model in: it builds prompts and runs the codec."""
    if placement.device.type == "cpu" and placement.weights == "fp16_packed":
        return torch.bfloat16  # halves resident memory; packed weights are re-rounded to fp16 anyway
    return placement.dtype


def set_threads(threads: int | None) -> None:
    if threads is not None and threads > 0:
        torch.set_num_threads(threads)
