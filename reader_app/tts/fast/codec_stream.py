"""Streaming codec decode: audio for the frames decoded so far, in chunks with left context.

The 12 Hz codec decoder is causal (causal convolutions, causal sliding-window attention), so the samples of
frame t depend only on frames <= t. Decoding each new chunk together with the `left_context` frames before it
and keeping only the new part gives audio that matches a full decode closely (exactly, up to float noise,
once the context covers the decoder's receptive field), so chunks join without seams. For ICL voice cloning
the reference codes are the natural left context of the first chunk, as in upstream's decode.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from reader_app.tts.fast.config import SAMPLES_PER_FRAME


class CodecStreamer:
    def __init__(self, decoder: Any, first_chunk: int = 4, chunk: int = 16, left_context: int = 25,
                 context_codes: np.ndarray | None = None) -> None:
        self.decoder = decoder
        self.first_chunk = max(1, first_chunk)
        self.chunk = max(1, chunk)
        self.left_context = max(0, left_context)
        ctx = np.zeros((0, 16), dtype=np.int64) if context_codes is None else np.asarray(context_codes, np.int64)
        self._ctx_len = len(ctx)
        self._codes = [ctx] if len(ctx) else []
        self._chunks_done = 0
        self._total = self._ctx_len  # frames held (context + generated)
        self._emitted = self._ctx_len  # frames already turned into audio

    @property
    def frames(self) -> int:
        """Generated frames pushed so far (reference context excluded)."""
        return self._total - self._ctx_len

    def push(self, frames: np.ndarray) -> np.ndarray | None:
        """Add frames (k, 16); returns new audio when enough frames are waiting, else None."""
        frames = np.asarray(frames, dtype=np.int64).reshape(-1, 16)
        if len(frames):
            self._codes.append(frames)
            self._total += len(frames)
        waiting = self._total - self._emitted
        return self._decode() if waiting >= self.next_chunk else None

    @property
    def next_chunk(self) -> int:
        """Frames the next chunk waits for: small first (fast start), then doubling up to 4x `chunk`, since each
        chunk re-decodes its left context and playback is far enough ahead by then."""
        if self._chunks_done == 0:
            return self.first_chunk
        return min(self.chunk << (self._chunks_done - 1), 4 * self.chunk)

    def flush(self) -> np.ndarray:
        """Audio of all frames not decoded yet."""
        if self._total == self._emitted:
            return np.zeros(0, dtype=np.float32)
        return self._decode()

    @torch.no_grad()
    def _decode(self) -> np.ndarray:
        codes = np.concatenate(self._codes) if len(self._codes) > 1 else self._codes[0]
        self._codes = [codes]
        ctx = min(self.left_context, self._emitted)
        window = codes[self._emitted - ctx: self._total]
        wav = decode_codes(self.decoder, window)
        self._emitted = self._total
        self._chunks_done += 1
        return wav[ctx * SAMPLES_PER_FRAME:]


def codec_decoder(decoder: Any) -> Any:
    """The decoder to stream with: an fp32 copy when the model was loaded in bf16 on a CPU without native
    bf16 math (its bf16 convolutions run ~50x slower than fp32 there: seconds per frame)."""
    from reader_app.tts.fast.devices import cpu_has_native_bf16

    param = next(decoder.parameters())
    if param.device.type == "cpu" and param.dtype != torch.float32 and not cpu_has_native_bf16():
        import copy

        return copy.deepcopy(decoder).float().eval()
    return decoder


def codec_device(decoder: Any) -> torch.device:
    return next(decoder.parameters()).device


@torch.no_grad()
def decode_codes(decoder: Any, codes: np.ndarray | torch.Tensor) -> np.ndarray:
    """Decode (T, 16) codes in one pass (no chunking): float32 samples, T * 1920 of them."""
    t = torch.as_tensor(np.asarray(codes), dtype=torch.long).clamp(min=0)
    t = t.T.unsqueeze(0).to(codec_device(decoder))  # (1, 16, T)
    wav = decoder(t)  # (1, 1, T * 1920), clamped to [-1, 1]
    return wav[0, 0].float().cpu().numpy()
