"""Where a model runs and in what precision: the one rule both engines follow (imports torch).

auto device: CUDA, else Apple's Metal (MPS), else the CPU.
auto dtype: bfloat16 on CUDA (float16 on GPUs without bf16); float16 on MPS (its bf16 support depends on the
macOS version, float16 works everywhere and halves memory traffic against float32); on the CPU bfloat16 only
where the CPU does bf16 math in hardware, else float32.
auto weights (the fast engine): on the CPU, the talker's and the code predictor's linears packed as fp16 for
fbgemm wherever fbgemm has them, bf16 CPUs included; the model (prompts, codec) then loads in bf16, and the
codec stays bf16 where the CPU does bf16 math, else runs in fp32. Measured (docs/BENCHMARKS.md): fp16-packed
174 ms per frame against bf16 dense 419 at batch 1 on an AVX512-BF16 EPYC (batch 8: 1.58x against 1.28x real
time), 391 against 469 at batch 1 on an AMX Xeon.
int8 weights (fbgemm, CPU only) are opt-in: see docs/BENCHMARKS.md for their measured fidelity against fp32 and
against qwentts.cpp's Q8_0.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from reader_app.tts.engine import EngineError
from reader_app.tts.fast.config import WeightFormat

_DTYPES = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
           "float16": torch.float16, "fp16": torch.float16}


@dataclass(frozen=True)
class Placement:
    device: torch.device
    dtype: torch.dtype  # activations and dense weights
    weights: WeightFormat  # never AUTO: the format chosen

    @property
    def label(self) -> str:
        return f"{self.device.type}/{str(self.dtype).removeprefix('torch.')}/{self.weights}"


def resolve_device(name: str = "auto") -> torch.device:
    if not name or name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise EngineError(f"Unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps.") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise EngineError(f"Device {name!r} was requested but CUDA is not available here.")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise EngineError("Device 'mps' was requested but Apple's Metal backend is not available here.")
    return device


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """The compute dtype: `name` if given, else the auto rule of this module's docstring."""
    if name and name != "auto":
        if name not in _DTYPES:
            raise EngineError(f"Unknown dtype {name!r}; use auto, float32, bfloat16 or float16.")
        return _DTYPES[name]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.bfloat16 if cpu_has_native_bf16() else torch.float32


@functools.lru_cache(maxsize=1)
def _cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


def cpu_has_native_bf16() -> bool:
    """True when this CPU does bf16 math in hardware (AVX512-BF16 or AMX); otherwise bf16 GEMMs are emulated
    and cost about as much per row as the whole weight read, which ruins batching."""
    return bool(_cpu_flags() & {"avx512_bf16", "amx_bf16"})


def int8_reduce_range() -> bool:
    """fbgemm's int8 kernels without VNNI sum pairs of u8 x s8 products in saturating int16, so activations
    must keep to 7 bits there; with AVX512-VNNI they accumulate in int32 and use all 8."""
    return "avx512_vnni" not in _cpu_flags()


@functools.lru_cache(maxsize=1)
def fbgemm_fp16_available() -> bool:
    try:
        if "fbgemm" not in torch.backends.quantized.supported_engines:
            return False
        packed = torch.ops.quantized.linear_prepack_fp16(torch.ones(8, 8), None)
        torch.ops.quantized.linear_dynamic_fp16(torch.ones(2, 8), packed)
        return True
    except Exception:  # noqa: BLE001 - a probe: any failure (missing op, unsupported CPU, build quirk) means "no"
        return False


@functools.lru_cache(maxsize=1)
def fbgemm_int8_available() -> bool:
    try:
        if "fbgemm" not in torch.backends.quantized.supported_engines:
            return False
        from reader_app.tts.fast.linear import Int8Linear

        probe = Int8Linear(torch.eye(8), None, int8_reduce_range())
        return bool(torch.isfinite(probe(torch.ones(2, 8))).all())
    except Exception:  # noqa: BLE001 - a probe, as above (torch may drop its quantized tensors one day)
        return False


def resolve_placement(device: str = "auto", dtype: str = "auto", weights: str = WeightFormat.AUTO) -> Placement:
    dev = resolve_device(device)
    dt = resolve_dtype(dtype, dev)
    try:
        fmt = WeightFormat(weights)
    except ValueError:
        raise ValueError(f"unknown weights format {weights!r}; use one of: "
                         f"{', '.join(WeightFormat)}") from None
    if fmt == WeightFormat.AUTO:
        # An explicit dtype asks for dense weights in it; auto on the CPU packs (faster than bf16 dense, AMX too).
        packed = dev.type == "cpu" and dtype in ("", "auto") and fbgemm_fp16_available()
        fmt = WeightFormat.FP16_PACKED if packed else WeightFormat.DENSE
    if fmt in (WeightFormat.FP16_PACKED, WeightFormat.INT8):
        available = fbgemm_fp16_available() if fmt == WeightFormat.FP16_PACKED else fbgemm_int8_available()
        if dev.type != "cpu" or not available:
            raise ValueError(f"{fmt} weights need the CPU and torch's fbgemm kernels (device here: {dev.type})")
        dt = torch.float32  # fbgemm computes in fp32
    return Placement(dev, dt, fmt)


def model_load_dtype(placement: Placement) -> torch.dtype:
    """dtype to load the stock model in: it builds prompts and runs the codec."""
    if placement.device.type == "cpu" and placement.weights in (WeightFormat.FP16_PACKED, WeightFormat.INT8):
        return torch.bfloat16  # halves resident memory; packed weights are re-rounded to fp16 anyway
    return placement.dtype


def set_threads(threads: int | None) -> None:
    if threads is not None and threads > 0:
        torch.set_num_threads(threads)
