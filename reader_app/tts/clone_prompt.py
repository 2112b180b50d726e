"""Voice-clone prompts: computed once from a reference recording, kept in memory and optionally on disk.

A prompt is the reference's speaker embedding (x-vector) and, in ICL mode, its codec codes and transcript.
On disk it is a safetensors file (tensors + string metadata), so a saved voice never needs its recording
re-encoded, and loading never unpickles anything.

A prompt file may come from a shared `.voice`, so every field is checked before the model sees it, on import
(`read_prompt_file`, numpy only) and on every load (`load_clone_prompt`): the metadata's types (icl_mode and
x_vector_only_mode booleans that agree, ref_text a string in ICL mode), the codes (int64, shape (T, 16), values
0..2047, 1 <= T <= MAX_REF_FRAMES: the 30 s a reference may last) and the embedding (float32, 1-D, finite, of
the model's hidden size when it is known). Anything else is a ClonePromptError (an EngineError) in one line.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reader_app.jsonfile import JsonFileError, parse_json
from reader_app.tts.budget import FRAME_RATE
from reader_app.tts.engine import SAMPLE_RATE, EngineError

FORMAT = "reader-app-clone-prompt-v1"
CODE_GROUPS = 16  # codebooks per frame of the 12 Hz codec
CODEBOOK_SIZE = 2048  # codes 0..2047; ids above are the talker's control tokens
MAX_REF_SECONDS = 30.0  # the longest reference voices/recording.py keeps
MAX_REF_FRAMES = math.ceil(MAX_REF_SECONDS * FRAME_RATE)  # 375: longer codes only slow every sentence down
MAX_HIDDEN = 8192  # larger than any Qwen3-TTS talker; a bound before the model is known
MAX_REF_TEXT = 2000  # characters, as voice.json allows
MAX_PROMPT_BYTES = 8 << 20  # real prompts are under 100 KB
EMBEDDING, CODES = "ref_spk_embedding", "ref_code"
_DTYPES = {EMBEDDING: ("F32", np.float32), CODES: ("I64", np.int64)}


class ClonePromptError(EngineError):
    """A stored clone prompt that is damaged or not one this app wrote; the message says what is wrong."""


@dataclass(frozen=True)
class PromptData:
    """A checked prompt, as numpy arrays."""

    embedding: np.ndarray  # (hidden,) float32, finite
    codes: np.ndarray | None  # (T, 16) int64 in 0..2047; ICL mode only
    icl_mode: bool
    ref_text: str | None  # a non-empty string in ICL mode

    @property
    def hidden_size(self) -> int:
        return int(self.embedding.shape[0])


MAX_REFERENCE_FILE_SECONDS = 60.0  # a reference given as a file (speak --ref-audio, a voice without its prompt)
MAX_REFERENCE_SAMPLES = 32_000_000  # frames x channels decoded at most, decided from the header
_BLOCK_FRAMES = 1 << 16


def load_reference_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples and their rate; a clear EngineError for missing, unreadable, truncated or overlong
    files. Decoded block by block and mixed to mono as it is read: memory is the mono samples, whatever the
    file's channels and rate."""
    import soundfile as sf

    path = Path(path).expanduser()
    if not path.is_file():
        raise EngineError(f"Reference recording {path} does not exist.")
    try:
        info = sf.info(str(path))
        rate, channels, frames = int(info.samplerate), int(info.channels), int(info.frames)
        if rate <= 0 or channels <= 0:
            raise ValueError("no audio stream")
        if frames > MAX_REFERENCE_FILE_SECONDS * rate or frames * channels > MAX_REFERENCE_SAMPLES:
            raise EngineError(f"The reference recording {path} is too long or too large ({frames / rate:.0f} s, "
                              f"{channels} channels at {rate} Hz); use 3 to 30 seconds of clear speech.")
        mono, got = np.empty(frames, dtype=np.float32), 0
        with sf.SoundFile(str(path)) as stream:
            while got < frames:
                block = stream.read(min(_BLOCK_FRAMES, frames - got), dtype="float32", always_2d=True)
                if not len(block):
                    break
                mono[got:got + len(block)] = block.mean(axis=1)
                got += len(block)
    except EngineError:
        raise
    except Exception as exc:  # noqa: BLE001 - soundfile raises several types for bad files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EngineError(f"Cannot read the reference recording {path}: {reason}") from None
    mono = mono[:got]
    if mono.size < rate // 2:
        raise EngineError(f"The reference recording {path} is too short ({mono.size / rate:.2f} s); "
                          "use 3 to 20 seconds of clear speech.")
    return mono, rate


def _flag(meta: dict[str, str], key: str) -> bool:
    if key not in meta:
        raise ValueError(f"its metadata lacks {key!r}")
    try:
        return parse_json(meta[key], expect=bool, max_depth=0, what=key)
    except JsonFileError as exc:
        raise ValueError(str(exc)) from None


def _ref_text(meta: dict[str, str]) -> str | None:
    try:
        text = parse_json(meta.get("ref_text", "null"), expect=(str, type(None)), max_depth=0, what="ref_text")
    except JsonFileError as exc:
        raise ValueError(str(exc)) from None
    if text is not None and len(text) > MAX_REF_TEXT:
        raise ValueError(f"ref_text is longer than {MAX_REF_TEXT} characters")
    return text


def _check_shapes(dtypes: dict[str, str], shapes: dict[str, tuple[int, ...]], hidden_size: int | None) -> None:
    """What can be checked from the header alone, before any tensor is read."""
    unknown = sorted(set(dtypes) - set(_DTYPES))
    if unknown or EMBEDDING not in dtypes:
        raise ValueError(f"it holds {', '.join(unknown)}" if unknown else f"it lacks {EMBEDDING}")
    for key, (dtype, _) in _DTYPES.items():
        if key in dtypes and dtypes[key] != dtype:
            raise ValueError(f"{key} is {dtypes[key]}, not {dtype}")
    embedding = shapes[EMBEDDING]
    if len(embedding) != 1 or not 1 <= embedding[0] <= MAX_HIDDEN:
        raise ValueError(f"{EMBEDDING} has shape {embedding}, not (hidden size,)")
    if hidden_size is not None and embedding[0] != hidden_size:
        raise ValueError(f"it was made with a different model size (hidden size {embedding[0]}, this model "
                         f"{hidden_size}); clone the voice again with this model")
    if CODES in shapes:
        codes = shapes[CODES]
        if len(codes) != 2 or codes[1] != CODE_GROUPS or codes[0] < 1:
            raise ValueError(f"{CODES} has shape {codes}, not (frames, {CODE_GROUPS})")
        if codes[0] > MAX_REF_FRAMES:
            raise ValueError(f"{CODES} holds {codes[0]} frames ({codes[0] / FRAME_RATE:.0f} s); a reference "
                             f"is at most {MAX_REF_SECONDS:.0f} s ({MAX_REF_FRAMES} frames)")


def check_prompt(meta: dict[str, str], tensors: dict[str, np.ndarray], *,
                 hidden_size: int | None = None) -> PromptData:
    """The prompt in (metadata, tensors), checked field by field; ValueError naming the first problem."""
    if meta.get("format") != FORMAT:
        raise ValueError("it is not a voice prompt saved by this app")
    if meta.get("sample_rate", str(SAMPLE_RATE)) != str(SAMPLE_RATE):
        raise ValueError(f"it was made for {meta['sample_rate']!r} Hz audio, not {SAMPLE_RATE}")
    icl, x_vector_only = _flag(meta, "icl_mode"), _flag(meta, "x_vector_only_mode")
    if icl == x_vector_only:
        raise ValueError("icl_mode and x_vector_only_mode contradict each other")
    ref_text = _ref_text(meta)
    _check_shapes({k: _dtype_name(v) for k, v in tensors.items()}, {k: v.shape for k, v in tensors.items()},
                  hidden_size)
    embedding, codes = tensors[EMBEDDING], tensors.get(CODES)
    if not np.isfinite(embedding).all():
        raise ValueError(f"{EMBEDDING} holds NaN or infinite values")
    if icl:
        if codes is None:
            raise ValueError(f"it is in ICL mode but has no {CODES}")
        if not ref_text or not ref_text.strip():
            raise ValueError("it is in ICL mode but has no ref_text")
        low, high = int(codes.min()), int(codes.max())
        if low < 0 or high >= CODEBOOK_SIZE:
            raise ValueError(f"{CODES} holds values from {low} to {high}, outside 0..{CODEBOOK_SIZE - 1}")
    elif codes is not None:
        raise ValueError(f"it is in x-vector mode but holds {CODES}")
    return PromptData(embedding=embedding, codes=codes, icl_mode=icl, ref_text=ref_text)


def _dtype_name(array: np.ndarray) -> str:
    return {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}.get(array.dtype, str(array.dtype))


def read_prompt_file(path: str | Path, *, hidden_size: int | None = None) -> PromptData:
    """A prompt file read and checked (numpy only: no torch); ClonePromptError saying what is wrong.
    The header is checked before any tensor is read, so a hostile file costs nothing to refuse."""
    from safetensors import safe_open

    path = Path(path).expanduser()
    if not path.is_file():
        raise ClonePromptError(f"Stored voice prompt {path} does not exist.")
    if path.stat().st_size > MAX_PROMPT_BYTES:
        raise ClonePromptError(f"{path.name} is too large to be a voice prompt ({path.stat().st_size:,} bytes).")
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = dict(f.metadata() or {})
            keys = list(f.keys())
            dtypes = {k: str(f.get_slice(k).get_dtype()) for k in keys}
            shapes = {k: tuple(int(n) for n in f.get_slice(k).get_shape()) for k in keys}
            if meta.get("format") == FORMAT:
                _check_shapes(dtypes, shapes, hidden_size)
            tensors = {k: np.array(f.get_tensor(k)) for k in keys} if meta.get("format") == FORMAT else {}
    except ValueError as exc:
        raise ClonePromptError(f"{path.name} is not a usable voice prompt: {exc}.") from None
    except Exception as exc:  # noqa: BLE001 - any parse failure of the file means "not a prompt"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClonePromptError(f"{path.name} is not a valid safetensors voice prompt ({reason}).") from None
    try:
        return check_prompt(meta, tensors, hidden_size=hidden_size)
    except ValueError as exc:
        raise ClonePromptError(f"{path.name} is not a usable voice prompt: {exc}.") from None


def _meta_tensors(item: Any) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """What the file holds, from a qwen_tts VoiceClonePromptItem (torch) or a PromptData (numpy)."""
    if isinstance(item, PromptData):  # e.g. from the engine process: x-vector mode is simply "not ICL"
        tensors = {EMBEDDING: np.ascontiguousarray(item.embedding, dtype=np.float32)}
        if item.codes is not None:
            tensors[CODES] = np.ascontiguousarray(item.codes, dtype=np.int64)
        icl, x_vector_only, ref_text = item.icl_mode, not item.icl_mode, item.ref_text
    else:
        tensors = {EMBEDDING: item.ref_spk_embedding.detach().float().cpu().contiguous().numpy()}
        if item.ref_code is not None:
            tensors[CODES] = item.ref_code.detach().cpu().long().contiguous().numpy()
        icl, x_vector_only, ref_text = item.icl_mode, item.x_vector_only_mode, item.ref_text
    meta = {"format": FORMAT, "x_vector_only_mode": json.dumps(bool(x_vector_only)),
            "icl_mode": json.dumps(bool(icl)), "ref_text": json.dumps(ref_text), "sample_rate": str(SAMPLE_RATE)}
    return meta, tensors


def prompt_data(item: Any) -> PromptData:
    """A prompt as checked numpy arrays (torch-free to pickle, send and save), from a qwen_tts
    VoiceClonePromptItem or a PromptData; ClonePromptError for one that load_clone_prompt would refuse."""
    meta, tensors = _meta_tensors(item)
    try:
        return check_prompt(meta, tensors)
    except ValueError as exc:
        raise ClonePromptError(f"The voice prompt cannot be saved: {exc}.") from None


def save_clone_prompt(item: Any, path: str | Path) -> Path:
    """Write a prompt (a qwen_tts VoiceClonePromptItem or its PromptData: the same file either way) to a
    safetensors file; ClonePromptError (and nothing written) for a prompt that load_clone_prompt would refuse."""
    from safetensors.numpy import save_file

    meta, tensors = _meta_tensors(prompt_data(item))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=meta)
    return path


def load_clone_prompt(path: str | Path, *, hidden_size: int | None = None) -> Any:
    """Read a prompt written by save_clone_prompt back into a VoiceClonePromptItem, every field checked (and
    the embedding against hidden_size, the model's, when given); ClonePromptError otherwise."""
    import torch

    from reader_app.tts.qwen_import import import_qwen_tts

    data = read_prompt_file(path, hidden_size=hidden_size)
    qwen_tts = import_qwen_tts()
    return qwen_tts.VoiceClonePromptItem(
        ref_code=torch.from_numpy(data.codes) if data.codes is not None else None,
        ref_spk_embedding=torch.from_numpy(data.embedding), x_vector_only_mode=not data.icl_mode,
        icl_mode=data.icl_mode, ref_text=data.ref_text)
