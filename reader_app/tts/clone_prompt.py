"""Voice-clone prompts: computed once from a reference recording, kept in memory and optionally on disk.

A prompt is the reference's speaker embedding (x-vector) and, in ICL mode, its codec codes and transcript.
On disk it is a safetensors file (tensors + string metadata), so a saved voice never needs its recording
re-encoded, and loading never unpickles anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from reader_app.tts.engine import SAMPLE_RATE, EngineError

FORMAT = "reader-app-clone-prompt-v1"


def load_reference_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples and their rate; a clear EngineError for missing or unreadable files."""
    import soundfile as sf

    path = Path(path).expanduser()
    if not path.is_file():
        raise EngineError(f"Reference recording {path} does not exist.")
    try:
        audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # noqa: BLE001 - soundfile raises several types for bad files
        raise EngineError(f"Cannot read the reference recording {path}: {exc}") from None
    mono = audio.mean(axis=1).astype(np.float32)
    if mono.size < sr // 2:
        raise EngineError(f"The reference recording {path} is too short ({mono.size / sr:.2f} s); "
                          "use 3 to 20 seconds of clear speech.")
    return mono, int(sr)


def save_clone_prompt(item, path: str | Path) -> Path:
    """Write a qwen_tts VoiceClonePromptItem to a safetensors file."""
    from safetensors.torch import save_file

    tensors = {"ref_spk_embedding": item.ref_spk_embedding.detach().float().cpu().contiguous()}
    if item.ref_code is not None:
        tensors["ref_code"] = item.ref_code.detach().cpu().long().contiguous()
    meta = {"format": FORMAT, "x_vector_only_mode": json.dumps(bool(item.x_vector_only_mode)),
            "icl_mode": json.dumps(bool(item.icl_mode)), "ref_text": json.dumps(item.ref_text),
            "sample_rate": str(SAMPLE_RATE)}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=meta)
    return path


def load_clone_prompt(path: str | Path):
    """Read a prompt written by save_clone_prompt back into a VoiceClonePromptItem."""
    from safetensors import safe_open

    from reader_app.tts.qwen_import import import_qwen_tts

    qwen_tts = import_qwen_tts()
    path = Path(path).expanduser()
    if not path.is_file():
        raise EngineError(f"Stored voice prompt {path} does not exist.")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # noqa: BLE001
        raise EngineError(f"Cannot read the stored voice prompt {path}: {exc}") from None
    if meta.get("format") != FORMAT or "ref_spk_embedding" not in tensors:
        raise EngineError(f"{path} is not a voice prompt saved by this app.")
    return qwen_tts.VoiceClonePromptItem(
        ref_code=tensors.get("ref_code"), ref_spk_embedding=tensors["ref_spk_embedding"],
        x_vector_only_mode=json.loads(meta["x_vector_only_mode"]), icl_mode=json.loads(meta["icl_mode"]),
        ref_text=json.loads(meta["ref_text"]))
