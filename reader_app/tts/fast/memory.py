"""One copy of each weight in an engine that owns its model: what ModelParts holds in its own form is freed
from the stock modules (qwen_tts keeps using the rest: text embeddings for prompts, the codec).

The loader maps the checkpoint file and hands out views into the mapping, which lives as long as any stock tensor
(the text embedding) views it. The pages we read while converting a weight would stay resident with it, so each
converted weight's pages are evicted as soon as its copy exists (evict_file_pages: Linux's madvise on the
file's private mapping; a page read again later comes back from the file). What stays resident is what is used.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import mmap
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    from reader_app.tts.fast.parts import ModelParts

_MADV_DONTNEED = 4
_M_MMAP_THRESHOLD = -3  # glibc mallopt
_LOADING_THRESHOLD = 1 << 20
_RUNNING_THRESHOLD = 32 << 20  # where glibc's own adjustment ends up (DEFAULT_MMAP_THRESHOLD_MAX)


def _free(module: nn.Module) -> int:
    """Empty every parameter and buffer of `module` in place; returns the bytes given back."""
    freed = 0
    for tensor in (*module.parameters(), *module.buffers()):
        freed += tensor.numel() * tensor.element_size()
        tensor.data = torch.empty(0, dtype=tensor.dtype, device=tensor.device)
    return freed


def _shares(parts_tensor: torch.Tensor, stock: torch.Tensor) -> bool:
    return parts_tensor.untyped_storage().data_ptr() == stock.untyped_storage().data_ptr()


def release_stock_decoders(model: Any, parts: ModelParts) -> int:
    """Free the stock talker's and code predictor's layers and heads where `parts` holds its own copies
    (packed or converted weights; dense weights already in place are shared views and stay).
    Afterwards the stock model can build prompts but no longer generate: only an engine that loaded the model
    for itself may call this. A model that clones no voices (not Base) also loses the codec's encoder.
    Returns the bytes freed."""
    talker = model.talker
    cp = talker.code_predictor
    freed = 0
    ours = getattr(parts.talker.layers[0].down, "weight", None)  # dense layers have one; packed ones do not
    if not (isinstance(ours, torch.Tensor) and _shares(ours, talker.model.layers[0].mlp.down_proj.weight)):
        freed += _free(talker.model.layers) + _free(cp.model.layers) + _free(cp.lm_head) + _free(talker.codec_head)
        if not isinstance(cp.small_to_mtp_projection, nn.Identity):
            freed += _free(cp.small_to_mtp_projection)
    # The predictor's codebook embeddings stay: ICL clone prompts embed the reference codes with them.
    encoder = getattr(model.speech_tokenizer.model, "encoder", None)
    if model.tts_model_type != "base" and isinstance(encoder, nn.Module):
        freed += _free(encoder)  # the codec's encoder turns a clone's recording into codes: Base models only
    return freed


@contextlib.contextmanager
def transient_copies_returned() -> Iterator[None]:
    """While a model loads: every allocation of 1 MiB or more gets a mapping of its own, given back to the system
    the moment it is freed. Converting a weight makes a transient copy of it, and glibc's heap would keep those
    pages (about 300 MB of the peak for 0.6B). Afterwards a fixed 32 MiB threshold, where glibc's own
    adjustment ends, so decoding reuses its buffers as before. A no-op without glibc's mallopt."""
    libc = _libc() if sys.platform.startswith("linux") else None
    if libc is None or not hasattr(libc, "mallopt"):
        yield
        return
    libc.mallopt(_M_MMAP_THRESHOLD, _LOADING_THRESHOLD)
    try:
        yield
    finally:
        libc.mallopt(_M_MMAP_THRESHOLD, _RUNNING_THRESHOLD)


def return_freed_memory() -> None:
    """Hand freed heap pages back to the system (glibc keeps them otherwise; a no-op elsewhere)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def evict_file_pages(tensors: Iterable[torch.Tensor]) -> int:
    """Drop from the resident set the pages of file mappings that hold these CPU tensors (weights we have made
    our own copy of): a page read again later faults back in from the file, but a page the process wrote to
    would lose the write, so never pass a tensor changed in place (loaded weights never are). Heap tensors are
    left alone (their pages are the allocator's). Linux only; returns the bytes evicted."""
    libc = _libc() if sys.platform.startswith("linux") else None
    if libc is None or not hasattr(libc, "madvise"):
        return 0
    maps = _file_mappings()
    page, evicted = mmap.PAGESIZE, 0
    for tensor in tensors:
        if tensor.device.type != "cpu" or tensor.numel() == 0:
            continue
        start, end = _extent(tensor)
        if not any(low <= start and end <= high for low, high in maps):
            continue
        evicted += _advise_gap(libc, start, end, page)  # whole pages inside the tensor only
    return evicted


def evict_unreferenced_file_pages() -> int:
    """Evict the pages of this process's checkpoint mappings (*.safetensors) that no live tensor views. The
    loader reads a weight it converts (the codec from fp32 to the load dtype, say) through the mapping and keeps
    only the copy, but the mapping lives on while any tensor views the file, and so do the pages it read. Pages
    nobody views cannot be read again, so this is always safe. Linux only; returns the bytes evicted."""
    libc = _libc() if sys.platform.startswith("linux") else None
    if libc is None or not hasattr(libc, "madvise"):
        return 0
    import gc

    mappings = _file_mappings(suffix=".safetensors")
    if not mappings:
        return 0
    live = sorted(_extent(obj) for obj in gc.get_objects()
                  if issubclass(type(obj), torch.Tensor) and obj.device.type == "cpu" and obj.layout == torch.strided
                  and obj.numel() > 0)
    page, evicted = mmap.PAGESIZE, 0
    for low, high in mappings:
        start = low
        for first, last in (extent for extent in live if extent[1] > low and extent[0] < high):
            evicted += _advise_gap(libc, start, first, page)
            start = max(start, last)
        evicted += _advise_gap(libc, start, high, page)
    return evicted


def _extent(tensor: torch.Tensor) -> tuple[int, int]:
    """The bytes a (possibly strided) tensor reads: from its first element to just past its last."""
    span = 1 + sum((size - 1) * stride for size, stride in zip(tensor.shape, tensor.stride(), strict=True))
    return tensor.data_ptr(), tensor.data_ptr() + span * tensor.element_size()


def _advise_gap(libc: Any, start: int, end: int, page: int) -> int:
    first, last = -(-start // page) * page, end // page * page
    if last > first and libc.madvise(ctypes.c_void_p(first), ctypes.c_size_t(last - first), _MADV_DONTNEED) == 0:
        return last - first
    return 0


def module_tensors(*modules: nn.Module) -> list[torch.Tensor]:
    return [t for module in modules for t in (*module.parameters(), *module.buffers())]


def _file_mappings(suffix: str = "") -> list[tuple[int, int]]:
    """Address ranges of this process's private mappings of regular files (a checkpoint the loader mapped)."""
    ranges = []
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            path = fields[5].strip() if len(fields) == 6 else ""
            if path.startswith("/") and path.endswith(suffix) and fields[1].endswith("p"):
                low, high = fields[0].split("-")
                ranges.append((int(low, 16), int(high, 16)))
    return ranges


def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True) if name else None
    except OSError:
        return None
