"""Our forward pass over the weights of a stock Qwen3 decoder stack (talker or code predictor).

Same math as upstream (RMSNorm, q/k norms, RoPE, GQA attention, SwiGLU), but with fused projections and
static KV caches written in place, so a decode step allocates nothing that depends on the sequence so far.
Three ways to write the cache: `prefill` (right-padded prompts into chosen slots), `step` (one token per slot
at each slot's own position) and `shared` (all rows at the same positions: the code predictor).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from reader_app.tts.fast.kv_cache import StaticKVCache
from reader_app.tts.fast.linear import LinearOp, fuse_linears


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    if x.dtype == torch.float32:
        return F.rms_norm(x, (x.shape[-1],), weight, eps)  # one fused op
    # upstream's order: normalise in fp32, cast back, then scale
    xf = x.float()
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return weight * xf.to(x.dtype)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


@dataclass
class _Layer:
    qkv: LinearOp
    o: LinearOp
    gate_up: LinearOp
    down: LinearOp
    ln1: torch.Tensor
    ln2: torch.Tensor
    q_norm: torch.Tensor
    k_norm: torch.Tensor


class DecoderStack:
    def __init__(self, layers: nn.ModuleList, norm: Any, fmt: str, dtype: torch.dtype,
                 device: torch.device, converted: Callable[[nn.Module], None] | None = None) -> None:
        """converted(layer) is called with each stock layer once its weights have been copied here (an engine
        that owns its model evicts the source pages then: tts/fast/memory.py)."""
        # Upstream's modules are read by attribute name (nn.Module's __getattr__ is untyped: Any here).
        attn0: Any = layers[0].self_attn
        self.head_dim: int = attn0.head_dim
        self.n_heads: int = attn0.q_proj.out_features // self.head_dim
        self.n_kv: int = attn0.k_proj.out_features // self.head_dim
        self.scaling: float = attn0.scaling
        self.eps: float = norm.variance_epsilon
        self.hidden: int = norm.weight.shape[0]

        def vec(p: torch.Tensor) -> torch.Tensor:
            return p.detach().to(device, dtype)

        self.layers: list[_Layer] = []
        layer: Any
        for layer in layers:
            a, m = layer.self_attn, layer.mlp
            self.layers.append(_Layer(
                qkv=fuse_linears([a.q_proj, a.k_proj, a.v_proj], fmt, dtype, device),
                o=fuse_linears([a.o_proj], fmt, dtype, device),
                gate_up=fuse_linears([m.gate_proj, m.up_proj], fmt, dtype, device),
                down=fuse_linears([m.down_proj], fmt, dtype, device),
                ln1=vec(layer.input_layernorm.weight), ln2=vec(layer.post_attention_layernorm.weight),
                q_norm=vec(a.q_norm.weight), k_norm=vec(a.k_norm.weight)))
            if converted is not None:
                converted(layer)
        self.norm = vec(norm.weight)
        self.native_gqa = device.type != "mps"  # MPS SDPA may lack enable_gqa: expand K/V there instead
        self.q_size = self.n_heads * self.head_dim
        self.kv_size = self.n_kv * self.head_dim

    def new_cache(self, batch: int, max_len: int, dtype: torch.dtype, device: torch.device) -> StaticKVCache:
        return StaticKVCache(len(self.layers), batch, self.n_kv, max_len, self.head_dim, dtype, device)

    def _qkv(self, lw: _Layer, x: torch.Tensor, cos: torch.Tensor,
             sin: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        b, s, _ = x.shape
        q, k, v = lw.qkv(x).split((self.q_size, self.kv_size, self.kv_size), dim=-1)
        q = rms_norm(q.view(b, s, self.n_heads, self.head_dim), lw.q_norm, self.eps).transpose(1, 2)
        k = rms_norm(k.view(b, s, self.n_kv, self.head_dim), lw.k_norm, self.eps).transpose(1, 2)
        v = v.view(b, s, self.n_kv, self.head_dim).transpose(1, 2)
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        return q, k, v

    def _finish_layer(self, lw: _Layer, h: torch.Tensor, attn: torch.Tensor) -> torch.Tensor:
        b, _, s, _ = attn.shape
        h = h + lw.o(attn.transpose(1, 2).reshape(b, s, self.q_size))
        x = rms_norm(h, lw.ln2, self.eps)
        gate, up = lw.gate_up(x).chunk(2, dim=-1)
        return h + lw.down(F.silu(gate) * up)

    def _attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None,
                causal: bool = False) -> torch.Tensor:
        gqa = self.n_heads != self.n_kv
        if gqa and not self.native_gqa:
            rep = self.n_heads // self.n_kv
            k, v, gqa = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1), False
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal, scale=self.scaling,
                                              enable_gqa=gqa)

    def prefill(self, h: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache: StaticKVCache,
                slots: torch.Tensor) -> torch.Tensor:
        """Right-padded prompts h (n, S, D) at positions 0..S-1 into cache rows `slots`; causal attention, so
        pads (at the end) never influence real tokens and are overwritten by later steps."""
        s = h.shape[1]
        for i, lw in enumerate(self.layers):
            q, k, v = self._qkv(lw, rms_norm(h, lw.ln1, self.eps), cos, sin)
            cache.k[i][slots, :, :s] = k
            cache.v[i][slots, :, :s] = v
            h = self._finish_layer(lw, h, self._attend(q, k, v, causal=True))
        return rms_norm(h, self.norm, self.eps)

    def step(self, h: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache: StaticKVCache, rows: torch.Tensor,
             pos: torch.Tensor, kv_len: int, mask: torch.Tensor) -> torch.Tensor:
        """One token per row h (B, 1, D) written at its own position pos (B,); attends to cache[:kv_len]
        where `mask` (B, 1, 1, kv_len) marks each row's valid positions."""
        for i, lw in enumerate(self.layers):
            q, k, v = self._qkv(lw, rms_norm(h, lw.ln1, self.eps), cos, sin)
            kc, vc = cache.k[i], cache.v[i]
            kc[rows, :, pos] = k[:, :, 0]
            vc[rows, :, pos] = v[:, :, 0]
            h = self._finish_layer(lw, h, self._attend(q, kc[:, :, :kv_len], vc[:, :, :kv_len], mask=mask))
        return rms_norm(h, self.norm, self.eps)

    def shared(self, h: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache: StaticKVCache,
               start: int) -> torch.Tensor:
        """Rows all at positions start..start+S-1 (the code predictor's per-frame sequence)."""
        s = h.shape[1]
        end = start + s
        for i, lw in enumerate(self.layers):
            q, k, v = self._qkv(lw, rms_norm(h, lw.ln1, self.eps), cos, sin)
            kc, vc = cache.k[i], cache.v[i]
            kc[:, :, start:end] = k
            vc[:, :, start:end] = v
            # causal only matters within the new tokens (prefill of 2); a single token sees everything cached
            attn = self._attend(q, kc[:, :, :end], vc[:, :, :end], causal=s > 1 and start == 0)
            h = self._finish_layer(lw, h, attn)
        return rms_norm(h, self.norm, self.eps)
