"""Logits processing and sampling as upstream (HF generate's order), with static shapes and no host sync.

Order: repetition penalty, EOS blocked before `min_new_tokens`, suppressed ids, then (sampling only)
temperature, top-k, top-p. Draws use the exponential race (argmax of p / Exp(1)), which samples exactly from p
like torch.multinomial but never synchronises and works inside CUDA graphs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class SamplerParams:
    do_sample: bool
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    repetition_penalty: float = 1.0


def apply_repetition_penalty(logits: torch.Tensor, seen: torch.Tensor, penalty: float) -> torch.Tensor:
    """seen (B, V) bool marks ids generated before; HF divides positive and multiplies negative logits."""
    penalised = torch.where(logits < 0, logits * penalty, logits / penalty)
    return torch.where(seen, penalised, logits)


def pick(logits: torch.Tensor, params: SamplerParams, generator: torch.Generator | None = None) -> torch.Tensor:
    """logits (B, V) float32 after masking -> token ids (B,)."""
    if not params.do_sample:
        return logits.argmax(dim=-1)
    if params.temperature != 1.0:
        logits = logits / params.temperature
    vocab = logits.shape[-1]
    if 0 < params.top_k < vocab:
        kth = torch.topk(logits, params.top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if params.top_p < 1.0:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=False)
        cum = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        drop_sorted = cum <= (1.0 - params.top_p)
        drop_sorted[:, -1] = False  # keep at least one token
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    probs = logits.softmax(dim=-1)
    noise = torch.empty_like(probs).exponential_(generator=generator)
    return (probs / noise).argmax(dim=-1)


class TalkerLogits:
    """Masks for the talker's first-codebook logits: suppressed control ids and EOS before min_new_tokens."""

    def __init__(self, vocab: int, suppress: list[int], eos_id: int, min_new_tokens: int,
                 device: torch.device) -> None:
        mask = torch.zeros(vocab, dtype=torch.bool)
        if suppress:
            mask[torch.tensor(suppress, dtype=torch.long)] = True
        self.suppress = mask.to(device)
        eos = torch.zeros(vocab, dtype=torch.bool)
        eos[eos_id] = True
        self.eos_only = eos.to(device)
        self.eos_id = eos_id
        self.min_new_tokens = min_new_tokens

    def allow_eos(self, allowed: bool) -> None:
        """Benchmarks decode a fixed number of frames: suppress EOS in place (captured graphs stay valid)."""
        self.suppress[self.eos_id] = not allowed

    def process(self, logits: torch.Tensor, seen: torch.Tensor, n_new: torch.Tensor, penalty: float) -> torch.Tensor:
        """logits (B, V) float32; seen (B, V) bool; n_new (B,) tokens generated so far per row."""
        if penalty != 1.0:
            logits = apply_repetition_penalty(logits, seen, penalty)
        logits = logits.masked_fill(self.suppress, float("-inf"))
        block_eos = (n_new < self.min_new_tokens).unsqueeze(-1) & self.eos_only
        return logits.masked_fill(block_eos, float("-inf"))
