"""Settings and small value types of the fast engine. Torch-free: the app may import this module anywhere."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

FRAME_RATE_HZ = 12.5  # codec frames per second of audio
SAMPLES_PER_FRAME = 1920  # at 24 kHz


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
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    dtype: str = "auto"  # compute dtype: auto | float32 | bfloat16 | float16
    # auto: CPU without native bf16 math keeps fp32 activations and stores linear weights as fp16 packed
    # for fbgemm (half the memory traffic, fast skinny GEMMs); dense: plain weights in the compute dtype.
    weights: str = "auto"  # auto | dense | fp16_packed
    threads: int | None = None  # torch.set_num_threads on CPU; None leaves torch's choice
    max_batch: int = 8  # sentences decoded together (continuous batching)
    cuda_graphs: bool = True  # capture the per-frame step on CUDA
    sync_every: int = 4  # CUDA: frames between host reads of finished flags (no per-step sync)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    seed: int | None = 0  # None: nondeterministic sampling
    # Runaway guard. The frame budget is reader_app.tts.budget's rule, shared with the stock engine.
    max_frames_per_char: float = 3.75  # = budget.DEFAULT_MAX_FRAMES_PER_CHAR (kept torch- and import-free)
    margin_frames: int = 25  # = budget.DEFAULT_MARGIN_FRAMES
    max_frames: int = 3000  # hard cap per sentence (4 minutes of audio)
    loop_window_frames: int = 40  # exact repetition over this many frames (3.2 s) stops a sentence
    max_silence_s: float = 2.5  # this much continuous silence after speech stops a sentence
    trim_silence: bool = True  # trim leading/trailing silence (keeps short margins)
    silence_db: float = -45.0
    # Streaming codec decode (stateful: chunks join exactly, nothing is decoded twice).
    codec_decode: str = "stateful-v1"  # names the decode method, so cached clips of an older one are not reused
    first_chunk_frames: int = 4  # first audio after 4 frames (320 ms of speech)
    chunk_frames: int = 16
    left_context_frames: int = 25  # ICL cloning: reference frames that prime the codec, as upstream's decode

    def audio_settings(self) -> dict:
        """What changes the audio (goes into clip cache keys); device, threads and batch size do not."""
        data = asdict(self)
        for key in ("device", "threads", "max_batch", "cuda_graphs", "sync_every"):
            data.pop(key)
        return data


@dataclass(frozen=True)
class AudioChunk:
    """A piece of one sentence's audio as it streams out; `start` counts samples from the sentence start."""

    samples: np.ndarray  # float32 mono
    sample_rate: int
    start: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / float(self.sample_rate)


@dataclass(frozen=True)
class StreamEvent:
    """One step of `FastEngine.synthesize_stream`: a chunk of request `index`; `is_last` ends that request."""

    index: int
    chunk: AudioChunk
    is_last: bool
    stop_reason: str | None = None  # on the last chunk: eos | budget | loop | silence

    def __iter__(self):  # lets callers unpack (index, chunk, is_last)
        return iter((self.index, self.chunk, self.is_last))
