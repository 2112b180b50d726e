"""Importing qwen_tts robustly: tolerate a missing or broken torchaudio, keep import-time noise down, and never
from two threads at once.

`import qwen_tts` imports torchaudio (for the 25 Hz tokenizer's kaldi fbank only; the released 12 Hz models
never call it). pip often brings a torchaudio build that does not match the installed torch (CUDA-linked,
`OSError: libc10_cuda.so`), so when - and only when - the real import fails we register a small stand-in
package before importing qwen_tts. Calling into the stand-in raises a clear error instead of crashing at import.

Threads: transformers resolves its names lazily on first use (`transformers.AutoModel` imports a module then),
and loading a model patches process-wide state (the meta device used while weights are read); neither is
thread-safe, and `redirect_stdout` below swaps the process's sys.stdout. Two threads loading at once (the
narrator and the voice studio) failed with "Could not import module 'AutoModel'", "Cannot copy out of meta
tensor", or left stdout redirected for good. So the import, and every model construction (model_lock(), taken
by narration/engine_provider.py), hold one process-wide lock.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import io
import logging
import os
import sys
import threading
import types
from typing import Any

log = logging.getLogger(__name__)

STANDIN_ATTR = "__reader_app_standin__"

_torchaudio_error: str | None = None  # why the real torchaudio could not be used (None: it imported fine)


class _StandinUnavailable(RuntimeError):
    pass


def _unavailable(name: str):
    def call(*_args: Any, **_kwargs: Any) -> Any:
        raise _StandinUnavailable(
            f"torchaudio is not usable here ({_torchaudio_error}); `{name}` is only needed by the 25 Hz "
            "Qwen3-TTS tokenizer, which this app does not use")
    return call


def _new_module(name: str, is_package: bool) -> types.ModuleType:
    module = types.ModuleType(name)
    # transformers probes importlib.util.find_spec("torchaudio"); a module without __spec__ makes it raise.
    module.__spec__ = importlib.machinery.ModuleSpec(name, loader=None, is_package=is_package)
    if is_package:
        module.__path__ = []
    setattr(module, STANDIN_ATTR, True)
    return module


def _register_torchaudio_standin() -> None:
    root = _new_module("torchaudio", True)
    root.__version__ = "0.0.0+reader-app-standin"  # type: ignore[attr-defined]
    compliance = _new_module("torchaudio.compliance", True)
    kaldi = _new_module("torchaudio.compliance.kaldi", False)
    for fn in ("fbank", "mfcc", "spectrogram", "resample_waveform"):
        setattr(kaldi, fn, _unavailable(f"torchaudio.compliance.kaldi.{fn}"))
    compliance.kaldi = kaldi  # type: ignore[attr-defined]
    root.compliance = compliance  # type: ignore[attr-defined]
    root.load = _unavailable("torchaudio.load")  # type: ignore[attr-defined]
    root.save = _unavailable("torchaudio.save")  # type: ignore[attr-defined]
    sys.modules["torchaudio"] = root
    sys.modules["torchaudio.compliance"] = compliance
    sys.modules["torchaudio.compliance.kaldi"] = kaldi


def _ensure_torchaudio() -> None:
    """Use the real torchaudio when it imports; otherwise put the stand-in in its place."""
    global _torchaudio_error
    existing = sys.modules.get("torchaudio")
    if existing is not None:
        return
    try:
        importlib.import_module("torchaudio")
        _torchaudio_error = None
    except Exception as exc:  # noqa: BLE001 - ImportError when missing, OSError for a mismatched binary build, ...
        _torchaudio_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        for name in [m for m in sys.modules if m == "torchaudio" or m.startswith("torchaudio.")]:
            del sys.modules[name]  # drop half-initialised pieces of the failed import
        _register_torchaudio_standin()


def torchaudio_is_standin() -> bool:
    module = sys.modules.get("torchaudio")
    return bool(module is not None and getattr(module, STANDIN_ATTR, False))


def torchaudio_error() -> str | None:
    """Why the real torchaudio was not used, or None."""
    return _torchaudio_error


class _DropSoxWarning(logging.Filter):
    """The sox package warns when the SoX binary is absent; nothing on the 12 Hz path uses it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "SoX could not be found" not in record.getMessage()


_SOX_FILTER = _DropSoxWarning()


@contextlib.contextmanager
def _quiet_stderr_fd():
    """Point fd 2 at /dev/null: `import sox` runs `sox -h` in a shell that complains when sox is absent."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (embedded interpreter, pytest capture): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _import_sox_quietly() -> None:
    if "sox" in sys.modules:
        return
    with _quiet_stderr_fd():
        try:
            importlib.import_module("sox")
        except Exception:  # noqa: BLE001 - optional third-party module; qwen_tts reports it if it needs it
            pass


def _skip_sklearn(transformers: types.ModuleType) -> None:
    """transformers imports sklearn.metrics (3 s, with scipy.stats) as soon as its generation module loads, for
    assisted generation's confidence threshold, which Qwen3-TTS never uses; sklearn is only installed because
    librosa depends on it. Telling transformers it is absent (the flag its is_sklearn_available() reads; the
    transformers version is pinned) keeps that out of every engine process."""
    import_utils = getattr(getattr(transformers, "utils", None), "import_utils", None)
    if import_utils is not None and hasattr(import_utils, "_sklearn_available"):
        import_utils._sklearn_available = False


def _deferred_mel(*args: Any, **kwargs: Any) -> Any:
    """librosa.filters.mel, imported on its first call."""
    from librosa.filters import mel

    return mel(*args, **kwargs)


@contextlib.contextmanager
def _librosa_filters_deferred():
    """While qwen_tts imports, `from librosa.filters import mel` gets a function that imports the real module
    when first called. Importing librosa.filters costs ~120 MB of memory and ~2 s (numba, scipy) in every
    engine process, and qwen_tts only calls mel to clone a voice (the speaker encoder's spectrogram)."""
    if "librosa.filters" in sys.modules:
        yield
        return
    try:
        librosa = importlib.import_module("librosa")  # cheap: librosa loads its submodules lazily
    except Exception:  # noqa: BLE001 - third-party: qwen_tts's own import then says what is missing
        yield
        return
    standin = _new_module("librosa.filters", False)
    standin.mel = _deferred_mel  # type: ignore[attr-defined]
    sys.modules["librosa.filters"] = standin
    try:
        yield
    finally:  # the real module takes its place from now on
        if sys.modules.get("librosa.filters") is standin:
            del sys.modules["librosa.filters"]
        if vars(librosa).get("filters") is standin:
            delattr(librosa, "filters")


_MODEL_LOCK = threading.RLock()  # reentrant: a model's construction imports qwen_tts under it

# transformers names looked up after the import (qwen_tts's loaders, the fast engine's codec state): resolved
# once under the lock, so later lookups are plain attribute reads, never a lazy import racing another thread.
_TRANSFORMERS_NAMES = ("AutoConfig", "AutoModel", "AutoProcessor", "AutoFeatureExtractor", "DynamicCache")


def model_lock() -> threading.RLock:
    """Held around importing qwen_tts and constructing any model from it: one at a time in the process."""
    return _MODEL_LOCK


def import_qwen_tts() -> types.ModuleType:
    """Return the qwen_tts module, importing it (and its heavy dependencies) on first use."""
    module = sys.modules.get("qwen_tts")
    if module is not None and hasattr(module, "Qwen3TTSModel"):
        return module
    with _MODEL_LOCK:
        module = sys.modules.get("qwen_tts")  # another thread may have finished the import while we waited
        if module is not None and hasattr(module, "Qwen3TTSModel"):
            return module
        # transformers first: it inspects torchaudio's spec while importing, before any stand-in exists.
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
        transformers = importlib.import_module("transformers")
        _skip_sklearn(transformers)
        for name in _TRANSFORMERS_NAMES:
            try:
                getattr(transformers, name)
            except Exception:  # noqa: BLE001 - a name this transformers lacks: whoever needs it says so then
                log.debug("transformers.%s not resolved at import", name)
        _ensure_torchaudio()
        sox_logger = logging.getLogger("sox")
        if _SOX_FILTER not in sox_logger.filters:
            sox_logger.addFilter(_SOX_FILTER)
        _import_sox_quietly()
        # qwen_tts prints a flash-attn banner (25 Hz tokenizer) straight to stdout on import.
        with contextlib.redirect_stdout(io.StringIO()), _librosa_filters_deferred():
            return importlib.import_module("qwen_tts")
