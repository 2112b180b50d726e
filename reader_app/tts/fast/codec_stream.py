"""Streaming codec decode: audio for the frames decoded so far, in chunks that join exactly.

Each sentence carries a `CodecState` through `StatefulCodec` (codec_state.py), so a chunk is decoded once, with
no left context re-decoded, and the chunks concatenate to the full decode. For ICL voice cloning the last
`left_context` reference frames prime the state (their audio is dropped), as upstream's decode uses the
reference codes as context.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from reader_app.tts.fast.codec_state import StatefulCodec


class CodecStreamer:
    def __init__(self, codec: StatefulCodec, first_chunk: int = 4, chunk: int = 16, left_context: int = 25,
                 context_codes: np.ndarray | None = None) -> None:
        self.codec = codec
        self.first_chunk = max(1, first_chunk)
        self.chunk = max(1, chunk)
        self.state = codec.new_state()
        if context_codes is not None and len(context_codes) and left_context > 0:
            codec.decode(np.asarray(context_codes, np.int64)[-left_context:], self.state)
        self._waiting: list[np.ndarray] = []
        self._waiting_frames = 0
        self._chunks_done = 0

    @property
    def next_chunk(self) -> int:
        """Frames the next chunk waits for: few for the first (a fast start), then twice as many each time up
        to `chunk`. Doubling keeps the audio already out at least as long as the next chunk takes to make
        whenever generation keeps up with real time, so a small first chunk does not leave a gap after it."""
        return min(max(self.chunk, self.first_chunk), self.first_chunk << self._chunks_done)

    def push(self, frames: np.ndarray) -> np.ndarray | None:
        """Add frames (k, 16); returns new audio when enough frames are waiting, else None."""
        frames = np.asarray(frames, dtype=np.int64).reshape(-1, 16)
        if len(frames):
            self._waiting.append(frames)
            self._waiting_frames += len(frames)
        return self._decode() if self._waiting_frames >= self.next_chunk else None

    def flush(self) -> np.ndarray:
        """Audio of all frames not decoded yet."""
        if not self._waiting_frames:
            return np.zeros(0, dtype=np.float32)
        return self._decode()

    def _decode(self) -> np.ndarray:
        codes = np.concatenate(self._waiting) if len(self._waiting) > 1 else self._waiting[0]
        self._waiting, self._waiting_frames = [], 0
        self._chunks_done += 1
        return self.codec.decode(codes, self.state)


def codec_decoder(decoder: Any, in_place: bool = False) -> Any:
    """The decoder to stream with: in fp32 when the model was loaded in bf16 on a CPU without native bf16 math
    (its bf16 convolutions run ~50x slower than fp32 there: seconds per frame). A copy, unless in_place (an
    engine that owns its model: the stock tokenizer then decodes with it too, and no bf16 copy stays)."""
    from reader_app.tts.placement import cpu_has_native_bf16

    param = next(decoder.parameters())
    if param.device.type == "cpu" and param.dtype != torch.float32 and not cpu_has_native_bf16():
        if in_place:
            return decoder.float().eval()  # parameter by parameter: one bf16 tensor at a time is freed
        import copy

        return copy.deepcopy(decoder).float().eval()
    return decoder


def codec_is_fp32_cpu(decoder: Any) -> bool:
    """Where fbgemm's fp16-packed weights can stand in for the codec's fp32 ones."""
    param = next(decoder.parameters())
    return param.device.type == "cpu" and param.dtype == torch.float32


def pack_codec_transformer(decoder: Any) -> int:
    """The codec's transformer (a quarter of the decoder's weights, 112 MB in fp32, at one position per frame:
    bound by weight reads) on fbgemm fp16-packed weights: half the memory, about twice as fast, the same audio to
    float rounding (the weights came from bf16). Only an fp32 decoder on the CPU; returns the linears packed."""
    from reader_app.tts.fast.linear import pack_linears_fp16

    if not codec_is_fp32_cpu(decoder):
        return 0
    with torch.no_grad():
        return pack_linears_fp16(decoder.pre_transformer.layers)


def codec_device(decoder: Any) -> torch.device:
    return next(decoder.parameters()).device


@torch.no_grad()
def decode_codes(decoder: Any, codes: np.ndarray | torch.Tensor) -> np.ndarray:
    """Decode (T, 16) codes in one pass (no chunking): float32 samples, T * 1920 of them."""
    t = torch.as_tensor(np.asarray(codes), dtype=torch.long).clamp(min=0)
    t = t.T.unsqueeze(0).to(codec_device(decoder))  # (1, 16, T)
    wav = decoder(t)  # (1, 1, T * 1920), clamped to [-1, 1]
    return wav[0, 0].float().cpu().numpy()
