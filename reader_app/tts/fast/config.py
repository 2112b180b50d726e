"""Settings of the fast engine. Torch-free: the app may import this module anywhere.

Which fields change the audio is declared on each field (`_runtime()` marks the ones that do not), so the
clip cache key and the app's engine options follow one rule (audio_affecting).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from reader_app.tts import budget, silence


def _runtime(default: Any) -> Any:
    """A setting that changes how fast audio is made, never the samples (kept out of clip cache keys)."""
    return field(default=default, metadata={"audio": False})


class WeightFormat(StrEnum):
    """How the talker's and the code predictor's linear weights are stored (the codec keeps its own dtype)."""

    AUTO = "auto"  # the placement rule (reader_app.tts.placement) picks per device
    DENSE = "dense"  # plain tensors in the compute dtype
    FP16_PACKED = "fp16_packed"  # CPU: fp16 packed for fbgemm, multiplied in fp32
    INT8 = "int8"  # CPU: int8 per output channel, activations quantised per row on the fly (fbgemm)


@dataclass(frozen=True)
class SamplingSettings:
    """Overrides of the checkpoint's generation defaults; None keeps the checkpoint's value."""

    do_sample: bool | None = None
    temperature: float | None = None
    top_k: int | None = None
    top_p: float | None = None
    repetition_penalty: float | None = None
    subtalker_do_sample: bool | None = None
    subtalker_temperature: float | None = None
    subtalker_top_k: int | None = None
    subtalker_top_p: float | None = None

    @classmethod
    def greedy(cls) -> SamplingSettings:
        return cls(do_sample=False, subtalker_do_sample=False)


@dataclass(frozen=True)
class FastSettings:
    # Where and in what precision it runs. The device and the thread count only change speed; the compute
    # dtype and weight format change the samples (bf16 and fp32 round differently), so they stay in the key.
    device: str = _runtime("auto")  # auto | cpu | cuda | cuda:N | mps
    dtype: str = "auto"  # compute dtype: auto | float32 | bfloat16 | float16
    # A WeightFormat (see reader_app.tts.placement for what auto picks). int8 halves fp16's weight traffic
    # again; the output heads and the codec stay in higher precision.
    weights: str = WeightFormat.AUTO
    threads: int | None = _runtime(None)  # torch.set_num_threads on CPU; None leaves torch's choice
    max_batch: int = _runtime(8)  # sentences decoded together (continuous batching)
    cuda_graphs: bool = _runtime(True)  # capture the per-frame step on CUDA
    sync_every: int = _runtime(4)  # CUDA: frames between host reads of finished flags (no per-step sync)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    seed: int | None = 0  # None: nondeterministic sampling
    # Runaway guard. The frame budget is reader_app.tts.budget's rule, shared with the stock engine.
    max_frames_per_char: float = budget.DEFAULT_MAX_FRAMES_PER_CHAR
    margin_frames: int = budget.DEFAULT_MARGIN_FRAMES
    max_frames: int = budget.HARD_CAP_FRAMES  # hard cap per sentence
    loop_window_frames: int = 40  # exact repetition over this many frames (3.2 s) stops a sentence
    max_silence_s: float = 2.5  # this much continuous silence after speech stops a sentence
    trim_silence: bool = True  # trim leading/trailing silence (keeps short margins)
    silence_db: float = silence.THRESHOLD_DB
    # Streaming codec decode (stateful: chunks join exactly, nothing is decoded twice).
    codec_decode: str = "stateful-v1"  # names the decode method, so cached clips of an older one are not reused
    # First audio after 2 frames (160 ms of speech; the stateful codec decodes any chunk), then chunks double
    # up to chunk_frames (codec_stream.CodecStreamer.next_chunk).
    first_chunk_frames: int = 2
    chunk_frames: int = 16
    left_context_frames: int = 25  # ICL cloning: reference frames that prime the codec, as upstream's decode

    def audio_settings(self) -> dict:
        """What changes the audio (goes into clip cache keys); device, threads and batch size do not."""
        return audio_affecting(asdict(self))


_RUNTIME_ONLY = frozenset(f.name for f in fields(FastSettings) if f.metadata.get("audio") is False)


def audio_affecting(options: dict[str, Any]) -> dict[str, Any]:
    """The engine options (FastSettings fields, or options the app passes its engines) that change what a
    clip sounds like, so they belong in its cache key."""
    return {name: value for name, value in options.items() if name not in _RUNTIME_ONLY}
