"""The per-frame decode step over a batch of slots, with all state in preallocated buffers.

One frame = the code predictor's 15 steps (codebooks 1..15, fresh tiny cache per frame) followed by one talker
step that consumes the frame and samples the next first-codebook token. Every slot sits at its own position in
the talker cache (so sentences of different lengths share a batch and a finished slot can be refilled), and
the step reads and writes only fixed-shape tensors: no allocation that depends on history, no host sync, so on
CUDA it can be captured once in a graph and replayed.

Frame k of a sentence is [t_k, predicted codebooks]: N sampled talker tokens give N-1 frames, exactly as
upstream (the token that would start frame N is sampled but never expanded).
"""

from __future__ import annotations

import torch

from reader_app.tts.fast.parts import ModelParts
from reader_app.tts.fast.prompts import Prompt
from reader_app.tts.fast.sampling import (
    SamplerParams,
    TalkerLogits,
    apply_repetition_penalty,
    pick,
)


class FrameStepper:
    def __init__(self, parts: ModelParts, batch: int, talker_params: SamplerParams, pred_params: SamplerParams,
                 logits: TalkerLogits, generator: torch.Generator | None, max_len: int = 256,
                 max_text: int = 256) -> None:
        p = parts
        dev, dt = p.placement.device, p.placement.dtype
        self.parts, self.batch = p, batch
        self.talker_params, self.pred_params, self.logits = talker_params, pred_params, logits
        self.generator = generator
        self.device, self.dtype = dev, dt
        self.cache = p.talker.new_cache(batch, max_len, dt, dev)
        self.pred_cache = p.predictor.new_cache(batch, p.num_groups + 1, dt, dev)
        self.rows = torch.arange(batch, device=dev)
        self.code0 = torch.zeros(batch, dtype=torch.long, device=dev)  # next frame's first codebook
        self.hidden = torch.zeros(batch, p.hidden, dtype=dt, device=dev)  # talker output that predicts it
        self.pos = torch.zeros(batch, dtype=torch.long, device=dev)  # talker cache position to write next
        self.gen_step = torch.zeros(batch, dtype=torch.long, device=dev)  # index into trailing text
        self.text_len = torch.zeros(batch, dtype=torch.long, device=dev)
        self.trailing = torch.zeros(batch, max_text, p.hidden, dtype=dt, device=dev)
        self.pad = torch.zeros(p.hidden, dtype=dt, device=dev)
        self.seen = torch.zeros(batch, p.talker_vocab, dtype=torch.bool, device=dev)  # repetition history
        self.n_new = torch.zeros(batch, dtype=torch.long, device=dev)
        self.active = torch.zeros(batch, dtype=torch.bool, device=dev)
        self.frame = torch.zeros(batch, p.num_groups, dtype=torch.long, device=dev)  # output of step()
        self.group_idx = torch.arange(p.num_groups - 1, device=dev)
        self.version = 0  # bumped when buffers are reallocated (captured CUDA graphs become stale)
        self._views: dict[int, _Slots] = {}  # narrowed steps' buffer views by row count, for `_views_version`
        self._views_version = 0

    # -- capacity -------------------------------------------------------------------------------------------
    @property
    def max_len(self) -> int:
        return self.cache.max_len

    def ensure_capacity(self, max_len: int, max_text: int) -> bool:
        """Grow the talker cache / trailing-text buffer (copying contents); True when buffers were replaced."""
        grown = False
        if max_len > self.cache.max_len:
            new_len = max(max_len, 2 * self.cache.max_len)
            new = self.parts.talker.new_cache(self.batch, new_len, self.dtype, self.device)
            for src, dst in zip(self.cache.k + self.cache.v, new.k + new.v, strict=True):
                dst[:, :, :src.shape[2]].copy_(src)
            self.cache, grown = new, True
        if max_text > self.trailing.shape[1]:
            new_t = torch.zeros(self.batch, max(max_text, 2 * self.trailing.shape[1]), self.parts.hidden,
                                dtype=self.dtype, device=self.device)
            new_t[:, :self.trailing.shape[1]].copy_(self.trailing)
            self.trailing, grown = new_t, True
        if grown:
            self.version += 1
        return grown

    # -- prefill ----------------------------------------------------------------------------------------------
    @torch.no_grad()
    def prefill(self, slots: list[int], prompts: list[Prompt]) -> None:
        """Start sentences in `slots`: run their prompts (right-padded, one batch) and sample their first token."""
        p, dev, dt = self.parts, self.device, self.dtype
        lens = [pr.embeds.shape[0] for pr in prompts]
        tlens = [pr.trailing.shape[0] for pr in prompts]
        self.ensure_capacity(max(lens) + 1, max(tlens))
        n, s = len(prompts), max(lens)
        h = torch.zeros(n, s, p.hidden, dtype=dt, device=dev)
        for i, pr in enumerate(prompts):
            h[i, :lens[i]] = pr.embeds.to(dev, dt)
        idx = torch.tensor(slots, dtype=torch.long, device=dev)
        cos, sin = p.talker_rope.span(0, s)
        out = p.talker.prefill(h, cos, sin, self.cache, idx)
        last = out[torch.arange(n, device=dev), torch.tensor(lens, device=dev) - 1]
        self.pad.copy_(prompts[0].pad.to(dev, dt))
        self.seen[idx] = False
        self.n_new[idx] = 0
        for i, pr in enumerate(prompts):
            self.trailing[slots[i], :tlens[i]] = pr.trailing.to(dev, dt)
        self.text_len[idx] = torch.tensor(tlens, device=dev)
        self.gen_step[idx] = 0
        self.pos[idx] = torch.tensor(lens, device=dev)
        self.hidden[idx] = last
        tok = self._sample_talker(last, self.seen[idx], self.n_new[idx])
        self.code0[idx] = tok
        self.seen[idx, tok] = True
        self.n_new[idx] = 1
        self.active[idx] = True

    def release(self, slot: int) -> None:
        self.active[slot] = False

    def _sample_talker(self, hidden: torch.Tensor, seen: torch.Tensor, n_new: torch.Tensor) -> torch.Tensor:
        logits = self.parts.codec_head(hidden).float()
        logits = self.logits.process(logits, seen, n_new, self.talker_params.repetition_penalty)
        return self.choose(logits, self.talker_params, None)

    def choose(self, logits: torch.Tensor, params: SamplerParams, group: int | None) -> torch.Tensor:
        """The token of each row from its processed logits: the talker's (group None) or codebook group+1's.
        Diagnostics replace it per instance (teacher forcing: reader_app.devtools.bench.fidelity)."""
        return pick(logits, params, self.generator)

    # -- the step -----------------------------------------------------------------------------------------
    @torch.no_grad()
    def step(self, kv_len: int, rows: int | None = None) -> None:
        """Decode one frame for every slot: fills `frame` (B, 16) and samples the next `code0`.

        With `rows` = n < batch only slots 0..n-1 are decoded (on views of every per-slot buffer and of both
        caches); slots n.. are neither computed nor written. CPU compute grows with the rows, so the batcher
        narrows when the highest slots are empty. Same math per row as full width, but CPU GEMMs choose kernels
        by row count, so floats may differ in the last bit (as between batch sizes); sampling draws noise for
        n rows only. The full width (rows None or batch) is the fixed-shape step that CUDA graphs capture.
        """
        if rows is None or rows == self.batch:
            self._step(self, kv_len)
            return
        if not 1 <= rows <= self.batch:
            raise ValueError(f"rows must be in 1..{self.batch}, got {rows}")
        self._step(self._slots(rows), kv_len)

    def _slots(self, n: int) -> _Slots:
        if self._views_version != self.version:  # buffers were reallocated: views point at the old ones
            self._views.clear()
            self._views_version = self.version
        view = self._views.get(n)
        if view is None:
            view = self._views[n] = _Slots(self, n)
        return view

    def _step(self, s: FrameStepper | _Slots, kv_len: int) -> None:
        """The step over the slots of `s`: the stepper itself (full width) or a `_Slots` view of its first rows."""
        p = self.parts
        first_embed = p.codec_embed[s.code0].to(p.embed_dtype)  # (B, D)
        groups = self._predict_groups(s, first_embed)  # (B, 15)
        s.frame[:, 0] = s.code0
        s.frame[:, 1:] = groups
        # next talker input: sum of the 16 codebook embeddings + this step's text (or pad once text ran out)
        group_embeds = p.pred_embed[self.group_idx, groups].to(p.embed_dtype)  # (B, 15, D)
        x = torch.cat([first_embed.unsqueeze(1), group_embeds], dim=1).sum(1)
        t_idx = s.gen_step.clamp(max=s.trailing.shape[1] - 1)
        text = s.trailing[s.rows, t_idx]
        x = x + torch.where((s.gen_step < s.text_len).unsqueeze(-1), text, self.pad)
        pos = s.pos.clamp(max=kv_len - 1)
        cos, sin = p.talker_rope.gather(pos.unsqueeze(1))
        mask = (torch.arange(kv_len, device=self.device) <= pos.unsqueeze(1)).view(s.batch, 1, 1, kv_len)
        out = p.talker.step(x.unsqueeze(1), cos, sin, s.cache, s.rows, pos, kv_len, mask)[:, 0]
        s.hidden.copy_(out)
        tok = self._sample_talker(out, s.seen, s.n_new)
        s.code0.copy_(tok)
        s.seen[s.rows, tok] = True
        step = s.active.long()
        s.n_new.add_(step)
        s.pos.add_(step)
        s.gen_step.add_(step)

    def _predict_groups(self, s: FrameStepper | _Slots, first_embed: torch.Tensor) -> torch.Tensor:
        """The code predictor: codebooks 1..15 from the talker hidden state and the first codebook."""
        p = self.parts
        params = self.pred_params
        penalty = p.pred_repetition_penalty
        seen = torch.zeros(s.batch, p.pred_vocab, dtype=torch.bool, device=self.device) if penalty != 1.0 else None
        h = torch.stack([s.hidden, first_embed], dim=1)  # (B, 2, D_talker)
        start = 0
        groups = []
        for j in range(p.num_groups - 1):
            if p.pred_proj is not None:
                h = p.pred_proj(h)
            cos, sin = p.pred_rope.span(start, h.shape[1])
            out = p.predictor.shared(h, cos, sin, s.pred_cache, start)
            start += h.shape[1]
            logits = p.pred_heads[j](out[:, -1]).float()
            if seen is not None:
                logits = apply_repetition_penalty(logits, seen, penalty)
            tok = self.choose(logits, params, j)
            if seen is not None:
                seen[s.rows, tok] = True
            groups.append(tok)
            if j + 1 < p.num_groups - 1:
                h = p.pred_embed[j][tok].unsqueeze(1).to(p.embed_dtype)
        return torch.stack(groups, dim=1)


class _Slots:
    """Views of a stepper's per-slot buffers and caches restricted to slots 0..n-1 (writes reach the stepper)."""

    def __init__(self, st: FrameStepper, n: int) -> None:
        self.batch = n
        self.rows = st.rows[:n]
        self.code0, self.hidden, self.pos = st.code0[:n], st.hidden[:n], st.pos[:n]
        self.gen_step, self.text_len, self.trailing = st.gen_step[:n], st.text_len[:n], st.trailing[:n]
        self.seen, self.n_new, self.active, self.frame = st.seen[:n], st.n_new[:n], st.active[:n], st.frame[:n]
        self.cache = st.cache.narrow(n)
        self.pred_cache = st.pred_cache.narrow(n)
