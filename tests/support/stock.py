"""Stock qwen-tts on the tiny checkpoints: the wrapper (loaded once per folder and device) and the codes it
generates, captured at its codec decode call: what the fast engine's parity tests compare against.

READER_APP_TEST_DEVICE (cpu by default) moves the parity tests to another device: scripts/gpu_check.sh runs them
with `cuda`, where stock and the fast engine both run on the GPU.
"""

from __future__ import annotations

import functools
import os

import numpy as np

DEVICE_VARIABLE = "READER_APP_TEST_DEVICE"


def parity_device() -> str:
    """The device the parity tests run on (cpu unless READER_APP_TEST_DEVICE says otherwise)."""
    return os.environ.get(DEVICE_VARIABLE, "").strip() or "cpu"


@functools.cache
def load_wrapper(path: str, device: str = "cpu", dtype=None):
    """The stock wrapper, in fp32 unless `dtype` says otherwise."""
    from reader_app.tts.qwen_import import import_qwen_tts

    qwen_tts = import_qwen_tts()
    import torch

    kwargs = {}
    if device != "cpu":
        if device.startswith("cuda"):
            if not torch.cuda.is_available():
                raise RuntimeError(f"{DEVICE_VARIABLE}={device} but CUDA is not available here")
            # fp32 parity means fp32 math: no TF32 in matmuls, nor in the speaker encoder's convolutions
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
        kwargs["device_map"] = device
    return qwen_tts.Qwen3TTSModel.from_pretrained(path, dtype=dtype or torch.float32, **kwargs)


def stock_codes(wrapper, api: str, texts: list[str], frames: int, **kwargs) -> list[np.ndarray]:
    """Greedy stock generation, one sentence at a time; codes as the wrapper hands them to the codec
    (ICL reference codes removed). `frames` frames need frames + 1 new tokens."""
    seen: list = []
    original = wrapper.model.speech_tokenizer.decode

    def record(items):
        seen.extend(item["audio_codes"] for item in items)
        return [np.zeros(1, np.float32)] * len(items), 24000

    wrapper.model.speech_tokenizer.decode = record
    try:
        out = []
        for text in texts:
            seen.clear()
            getattr(wrapper, api)(text=text, do_sample=False, subtalker_dosample=False,
                                  max_new_tokens=frames + 1, **kwargs)
            codes = seen[0].cpu().numpy()
            ref = kwargs.get("voice_clone_prompt")
            if ref is not None and ref[0].ref_code is not None:
                codes = codes[len(ref[0].ref_code):]
            out.append(codes)
        return out
    finally:
        wrapper.model.speech_tokenizer.decode = original
