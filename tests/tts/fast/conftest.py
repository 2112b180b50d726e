"""Fixtures of the fast-engine tests: stock wrappers on the tiny checkpoints, a reference recording, and a
way to read the codes stock qwen-tts generates (captured at its codec decode call)."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def ref_wav(tmp_path_factory) -> Path:
    """Two seconds of a voiced-like test signal at 24 kHz."""
    import soundfile as sf

    sr = 24000
    t = np.arange(2 * sr) / sr
    rng = np.random.default_rng(7)
    voiced = 0.3 * np.sin(2 * np.pi * 180 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    wav = voiced + 0.02 * rng.standard_normal(len(t))
    path = tmp_path_factory.mktemp("ref") / "ref.wav"
    sf.write(path, wav.astype(np.float32), sr)
    return path
