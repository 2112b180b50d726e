"""import_qwen_tts: real torchaudio when it works, a stand-in when it is missing or broken; nothing heavy that
Qwen3-TTS never calls (sklearn, librosa.filters) is imported with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
{setup}
from reader_app.tts.qwen_import import import_qwen_tts, torchaudio_is_standin, torchaudio_error
q = import_qwen_tts()
import torchaudio.compliance.kaldi as kaldi
heavy = sorted(m for m in ("sklearn", "numba", "librosa.filters") if m in sys.modules)
from qwen_tts.core.models import modeling_qwen3_tts
import numpy
mel = modeling_qwen3_tts.librosa_mel_fn(sr=24000, n_fft=1024, n_mels=128, fmin=0, fmax=12000)
import librosa.filters
same = bool(numpy.array_equal(mel, librosa.filters.mel(sr=24000, n_fft=1024, n_mels=128, fmin=0, fmax=12000)))
print("RESULT " + json.dumps({{"standin": torchaudio_is_standin(), "error": torchaudio_error(),
                               "model": q.Qwen3TTSModel.__name__, "kaldi": kaldi.__name__,
                               "heavy_after_import": heavy, "mel_as_librosa": same}}))
"""

# A None entry in sys.modules is how Python spells "not installed": find_spec() answers None and
# `import torchaudio` raises ModuleNotFoundError, exactly as in a venv without torchaudio.
_BLOCK_TORCHAUDIO = """
sys.modules["torchaudio"] = None
"""


def _start(setup: str, extra_path: Path | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    paths = [str(REPO)] + ([str(extra_path)] if extra_path else [])
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")])
    code = _PROBE.format(setup=textwrap.dedent(setup))
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _result(proc: subprocess.Popen) -> tuple[dict, str, str]:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    line = next(row for row in out.splitlines() if row.startswith("RESULT "))
    return json.loads(line[len("RESULT "):]), out, err


def test_missing_and_working_torchaudio(tmp_path: Path) -> None:
    # A working torchaudio is simulated by a small importable package placed ahead on sys.path.
    fake = tmp_path / "site" / "torchaudio"
    (fake / "compliance").mkdir(parents=True)
    (fake / "__init__.py").write_text("WORKING = True\n")
    (fake / "compliance" / "__init__.py").write_text("")
    (fake / "compliance" / "kaldi.py").write_text("def fbank(*a, **k):\n    return None\n")

    # Both subprocesses run at once: each pays the 5-7 s qwen_tts import.
    missing = _start(_BLOCK_TORCHAUDIO)
    working = _start("", extra_path=tmp_path / "site")

    result, out, err = _result(missing)
    assert result["standin"] is True
    assert result["error"].startswith("ModuleNotFoundError")
    assert result["model"] == "Qwen3TTSModel"
    assert result["kaldi"] == "torchaudio.compliance.kaldi"
    assert "flash-attn" not in out and "SoX could not be found" not in err and "sox: not found" not in err

    # What Qwen3-TTS never calls on our path is not imported (~130 MB and ~3 s per engine process), and the
    # deferred librosa mel qwen_tts holds gives librosa's own filters once called (voice cloning needs it).
    assert result["heavy_after_import"] == []
    assert result["mel_as_librosa"] is True

    result, _, _ = _result(working)
    assert result["standin"] is False and result["error"] is None


def test_broken_or_real_torchaudio_in_this_venv() -> None:
    """Whatever this venv holds (today a CUDA-linked build that fails with OSError), the import succeeds."""
    from reader_app.tts.qwen_import import (
        import_qwen_tts,
        torchaudio_error,
        torchaudio_is_standin,
    )

    qwen_tts = import_qwen_tts()
    assert hasattr(qwen_tts, "Qwen3TTSModel")
    assert import_qwen_tts() is qwen_tts
    if torchaudio_is_standin():
        assert torchaudio_error()
        import pytest
        import torchaudio.compliance.kaldi as kaldi
        with pytest.raises(RuntimeError, match="25 Hz"):
            kaldi.fbank(None)
