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


class StaticKVCache:
    """Per-layer key/value buffers (B, kv_heads, max_len, head_dim), allocated once and written in place."""

    def __init__(self, n_layers: int, batch: int, kv_heads: int, max_len: int, head_dim: int,
                 dtype: torch.dtype, device: torch.device) -> None:
        shape = (batch, kv_heads, max_len, head_dim)
        self.k = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(n_layers)]
        self.v = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(n_layers)]
        self.max_len = max_len
        self.batch = batch

    def narrow(self, n: int) -> StaticKVCache:
        """The first n batch rows, as views (writes go to this cache); same interface, nothing copied."""
        view = StaticKVCache.__new__(StaticKVCache)
        view.k = [t[:n] for t in self.k]
        view.v = [t[:n] for t in self.v]
        view.max_len = self.max_len
        view.batch = n
        return view

    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.k + self.v)
