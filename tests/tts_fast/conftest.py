"""Fixtures of the fast-engine tests: stock wrappers on the tiny checkpoints, a reference recording, and a
way to read the codes stock qwen-tts generates (captured at its codec decode call)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models are all overhead: one thread avoids OpenMP hand-offs (and noisy neighbours on 2 cores)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@functools.lru_cache(maxsize=None)
def load_wrapper(path: str):
    from reader_app.tts.qwen_import import import_qwen_tts

    qwen_tts = import_qwen_tts()
    import torch

    return qwen_tts.Qwen3TTSModel.from_pretrained(path, dtype=torch.float32)


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


@pytest.fixture(scope="session")
def ref_wav(tmp_path_factory) -> Path:
    """Two seconds of a voiced-like test signal at 24 kHz."""
    import soundfile as sf

    sr = 24000
    t = np.arange(2 * sr) / sr
    rng = np.random.default_rng(7)
    wav = 0.3 * np.sin(2 * np.pi * 180 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t)) + 0.02 * rng.standard_normal(len(t))
    path = tmp_path_factory.mktemp("ref") / "ref.wav"
    sf.write(path, wav.astype(np.float32), sr)
    return path
