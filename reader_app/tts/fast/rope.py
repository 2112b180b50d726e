"""Rotary position tables: computed once, gathered by position (no per-step trig, graph friendly).

The talker uses interleaved M-RoPE, but TTS prompts are text only, so its three position rows are always equal
and the result is plain RoPE with the same inverse frequencies; the values below match upstream exactly.
"""

from __future__ import annotations

import torch


class RopeTable:
    def __init__(self, inv_freq: torch.Tensor, scaling: float, max_len: int, dtype: torch.dtype,
                 device: torch.device) -> None:
        pos = torch.arange(max_len, dtype=torch.float32, device=inv_freq.device)
        freqs = pos[:, None] * inv_freq.float()[None, :]  # same values as upstream's (inv_freq @ positions)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.cos = (emb.cos() * scaling).to(device=device, dtype=dtype)
        self.sin = (emb.sin() * scaling).to(device=device, dtype=dtype)
        self.max_len = max_len

    def gather(self, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """positions (B, S) -> cos, sin shaped (B, 1, S, head_dim) to broadcast over heads."""
        return self.cos[positions].unsqueeze(1), self.sin[positions].unsqueeze(1)

    def span(self, start: int, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Positions start..start+length-1 shared by the whole batch: (1, 1, S, head_dim)."""
        return self.cos[start:start + length][None, None], self.sin[start:start + length][None, None]
