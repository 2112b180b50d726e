"""One copy of each weight in an engine that owns its model: what ModelParts holds in its own form is freed
from the stock modules (qwen_tts keeps using the rest: text embeddings for prompts, the codec).

Still resident after this: the pages of the checkpoint file the loader mapped and we read while packing (the
mapping lives as long as any stock tensor views it; copying the survivors out raised the peak by more than it
saved), and the text embedding (about 0.6 GB in bf16 for every size).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from reader_app.tts.fast.parts import ModelParts


def _free(module: nn.Module) -> int:
    """Empty every parameter of `module` in place; returns the bytes given back."""
    freed = 0
    for param in module.parameters():
        freed += param.numel() * param.element_size()
        param.data = torch.empty(0, dtype=param.dtype, device=param.device)
    return freed


def _shares(parts_tensor: torch.Tensor, stock: torch.Tensor) -> bool:
    return parts_tensor.untyped_storage().data_ptr() == stock.untyped_storage().data_ptr()


def release_stock_decoders(model: Any, parts: ModelParts) -> int:
    """Free the stock talker's and code predictor's layers and heads where `parts` holds its own copies
    (packed or converted weights; dense weights already in place are shared views and stay).
    Afterwards the stock model can build prompts but no longer generate: only an engine that loaded the model
    for itself may call this. Returns the bytes freed."""
    talker = model.talker
    cp = talker.code_predictor
    freed = 0
    ours = getattr(parts.talker.layers[0].down, "weight", None)  # dense layers have one; packed ones do not
    if not (isinstance(ours, torch.Tensor) and _shares(ours, talker.model.layers[0].mlp.down_proj.weight)):
        freed += _free(talker.model.layers) + _free(cp.model.layers) + _free(cp.lm_head) + _free(talker.codec_head)
        if not isinstance(cp.small_to_mtp_projection, nn.Identity):
            freed += _free(cp.small_to_mtp_projection)
    # The predictor's codebook embeddings stay: ICL clone prompts embed the reference codes with them.
    return freed


def return_freed_memory() -> None:
    """Hand freed heap pages back to the system (glibc keeps them otherwise; a no-op elsewhere)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)
    except OSError:
        pass
