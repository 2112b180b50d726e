"""Shared test setup: headless Qt, isolated user folders, and tiny Qwen3-TTS checkpoints built once.

Everything here runs at import, before any test module imports the app: user data, cache and config go to a
fresh temporary folder per session, so tests never touch (or depend on) the real user's files. The one thing
that deliberately survives across sessions is the cache of built test checkpoints (READER_APP_TEST_CHECKPOINTS,
by default under the real user cache), since rebuilding them on every run would only cost time.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # plain `pytest` does not put the repository root on sys.path
    sys.path.insert(0, str(ROOT))

os.environ["QT_QPA_PLATFORM"] = "offscreen"

# Decide the checkpoint cache from the real user cache before XDG_CACHE_HOME is redirected below.
_real_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
os.environ.setdefault("READER_APP_TEST_CHECKPOINTS", str(_real_cache / "reader-app-test-checkpoints"))

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="reader-app-tests-"))
for _var, _sub in (("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config")):
    (_SESSION_HOME / _sub).mkdir()
    os.environ[_var] = str(_SESSION_HOME / _sub)
# Settings from the developer's shell must not leak into tests.
for _var in ("READER_APP_MODEL", "READER_APP_MODELS_DIR"):
    os.environ.pop(_var, None)
# Engines run in the test process (a child process per test would cost seconds each); tests/service/ and the
# play and GUI tests that check the engine process set it to "process" themselves.
os.environ["READER_APP_ENGINE_HOST"] = "inline"


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)


# As in the app (ui/main_thread_gc.py): garbage holding a finished test's widgets must not be collected by a worker
# thread of a later test (a segmentation fault). The automatic collector is off for the session; each test's
# garbage is collected on the main thread when it ends, and while a QApplication runs, by the app's own timer.
gc.disable()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is not None:
            from reader_app.ui import main_thread_gc

            main_thread_gc.install(app)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    gc.collect()


@pytest.fixture(scope="session")
def session_home() -> Path:
    """The per-session folder that stands in for the user's data/cache/config homes."""
    return _SESSION_HOME


def _tiny(kind: str) -> Path:
    from reader_app.devtools.checkpoint import tiny_checkpoint

    return tiny_checkpoint(kind)


@pytest.fixture(scope="session")
def tiny_custom_voice() -> Path:
    """Folder of a tiny random CustomVoice checkpoint (nine preset speakers, ten languages)."""
    return _tiny("custom_voice")


@pytest.fixture(scope="session")
def tiny_voice_design() -> Path:
    """Folder of a tiny random VoiceDesign checkpoint."""
    return _tiny("voice_design")


@pytest.fixture(scope="session")
def tiny_base() -> Path:
    """Folder of a tiny random Base checkpoint (voice cloning, with a speaker encoder)."""
    return _tiny("base")
