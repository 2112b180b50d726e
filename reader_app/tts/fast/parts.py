"""The pieces of a stock Qwen3-TTS model our decoding loop runs on, in the chosen placement."""

from __future__ import annotations

from typing import Any

import torch

from reader_app.tts.fast.config import WeightFormat
from reader_app.tts.fast.linear import LinearOp, fuse_linears, single_linear
from reader_app.tts.fast.rope import RopeTable
from reader_app.tts.fast.stack import DecoderStack
from reader_app.tts.placement import Placement

ROPE_TABLE_LEN = 16384  # talker positions (prompt + frames); about 20 minutes of audio


class ModelParts:
    def __init__(self, model: Any, placement: Placement, evict_sources: bool = False) -> None:
        """evict_sources: the engine owns `model`, so the checkpoint pages of each weight copied here leave the
        resident set as soon as the copy exists (tts/fast/memory.py): loading peaks at one layer, not a model."""
        from reader_app.tts.fast import memory

        def converted(*modules: Any) -> None:
            if evict_sources:
                memory.evict_file_pages(memory.module_tensors(*modules))

        dev, dt, fmt = placement.device, placement.dtype, placement.weights
        # The output heads are 2 % of a frame's weight reads but give the logits directly: int8 stays out there.
        head_fmt = WeightFormat.FP16_PACKED if fmt == WeightFormat.INT8 else fmt
        self.placement = placement
        talker = model.talker
        cfg = model.config.talker_config
        self.num_groups = cfg.num_code_groups  # 16 codebooks
        self.talker_vocab = cfg.vocab_size
        self.eos_id = cfg.codec_eos_token_id
        self.hidden = cfg.hidden_size

        with torch.no_grad():
            self.talker = DecoderStack(talker.model.layers, talker.model.norm, fmt, dt, dev, converted)
            # Each copy's source pages are evicted as soon as it exists, not after all of them: loading then
            # peaks at one weight's copy, not at every head's (0.6B int8: about 120 MB lower; docs/BENCHMARKS.md).
            self.codec_head = fuse_linears([talker.codec_head], head_fmt, dt, dev)
            converted(talker.codec_head)
            # Embeddings stay in the checkpoint's precision as loaded (bf16 under the packed CPU formats): a frame
            # gathers 16 rows of them, converted then; fp32 tables would cost 140 MB more for the same values.
            self.embed_dtype = dt
            self.codec_embed = talker.model.codec_embedding.weight.detach().to(dev)
            rot = talker.model.rotary_emb
            self.talker_rope = RopeTable(rot.inv_freq.to(dev), rot.attention_scaling, ROPE_TABLE_LEN, dt, dev)

            cp = talker.code_predictor
            self.predictor = DecoderStack(cp.model.layers, cp.model.norm, fmt, dt, dev, converted)
            self.pred_proj = single_linear(cp.small_to_mtp_projection, fmt, dt, dev)
            converted(cp.small_to_mtp_projection)
            # (15, 2048, D_talker): embeddings of codebooks 1..15, gathered in one op per frame
            self.pred_embed = torch.stack([e.weight.detach().to(dev) for e in cp.model.codec_embedding])
            converted(cp.model.codec_embedding)
            self.pred_heads: list[LinearOp] = []
            for head in cp.lm_head:
                self.pred_heads.append(fuse_linears([head], head_fmt, dt, dev))
                converted(head)
            self.pred_vocab = cp.config.vocab_size
            prot = cp.model.rotary_emb
            self.pred_rope = RopeTable(prot.inv_freq.to(dev), prot.attention_scaling, self.num_groups + 1, dt, dev)
            self.pred_repetition_penalty = float(getattr(cp.generation_config, "repetition_penalty", 1.0) or 1.0)
            converted(talker.model.codec_embedding)  # a view of it stays in use: its pages fault back as read
