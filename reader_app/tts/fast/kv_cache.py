"""Static key/value caches: allocated once per batch size, written in place, so a decode step never allocates
(and CUDA graphs can replay over the same buffers)."""

from __future__ import annotations

import torch


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
