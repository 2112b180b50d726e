"""Loading models from several threads at once (the narrator, the voice studio, pregeneration): imports and
model construction are serialised process-wide, and one loaded engine per model folder and options is shared."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import reader_app.tts.fast as fast
import reader_app.tts.stock.engine as stock
from reader_app.narration.engine_provider import EngineRegistry, qwen_engine_provider, shared_engine
from reader_app.tts.engine import EngineKind

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: transformers' lazy imports and qwen_tts's stdout redirection are process state.
IMPORTS_AT_ONCE = """
import io, json, sys, threading
sys.path.insert(0, sys.argv[1])
from reader_app.tts.qwen_import import import_qwen_tts
errors, start = [], threading.Barrier(3)
def load():
    start.wait()
    try:
        import_qwen_tts().Qwen3TTSModel
        import transformers
        transformers.AutoModel, transformers.AutoConfig
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
threads = [threading.Thread(target=load) for _ in range(3)]
[t.start() for t in threads]; [t.join() for t in threads]
sys.__stdout__.write(json.dumps({"errors": errors, "stdout_intact": sys.stdout is sys.__stdout__}) + "\\n")
"""

ENGINES_AT_ONCE = """
import json, sys, threading
sys.path.insert(0, sys.argv[1])
from reader_app.narration.engine_provider import qwen_engine_provider, shared_engine
from reader_app.tts.engine import EngineKind
folder, errors, start = sys.argv[2], [], threading.Barrier(2)
def narrator():  # what the window's narrator does on its generation thread
    start.wait()
    try:
        qwen_engine_provider(folder, threads=1, max_frames=12)()
    except Exception as exc:
        errors.append(f"fast: {type(exc).__name__}: {exc}")
def studio():  # what the voice studio's worker does
    start.wait()
    try:
        shared_engine(EngineKind.STOCK, folder, threads=1)
    except Exception as exc:
        errors.append(f"stock: {type(exc).__name__}: {exc}")
threads = [threading.Thread(target=narrator), threading.Thread(target=studio)]
[t.start() for t in threads]; [t.join() for t in threads]
sys.__stdout__.write(json.dumps({"errors": errors, "stdout_intact": sys.stdout is sys.__stdout__}) + "\\n")
"""


def _child(script: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", script, str(ROOT), *args], capture_output=True, text=True,
                            timeout=240)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_qwen_tts_imported_from_three_threads_at_once():
    # It used to leave sys.stdout redirected for good (each thread's redirect_stdout restored another's).
    assert _child(IMPORTS_AT_ONCE) == {"errors": [], "stdout_intact": True}


def test_the_fast_and_the_stock_engine_loaded_at_once_both_load(tiny_custom_voice):
    # Concurrent from_pretrained calls raced on transformers' global state ("Cannot copy out of meta tensor").
    assert _child(ENGINES_AT_ONCE, str(tiny_custom_voice)) == {"errors": [], "stdout_intact": True}


class _Engine:
    def __init__(self, name: str) -> None:
        self.name = name


def test_the_registry_builds_one_engine_per_key_one_at_a_time():
    registry = EngineRegistry()
    building, most, built = [0], [0], []
    lock = threading.Lock()

    def factory(name: str):
        def build() -> _Engine:
            with lock:
                building[0] += 1
                most[0] = max(most[0], building[0])
            time.sleep(0.05)
            with lock:
                building[0] -= 1
                built.append(name)
            return _Engine(name)
        return build

    got: list[_Engine] = []
    threads = [threading.Thread(target=lambda k=key: got.append(registry.get(k, factory(k))))
               for key in ("a", "b", "a", "b", "a")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most[0] == 1  # never two constructions at once
    assert sorted(built) == ["a", "b"]  # each key once; the others waited and shared it
    assert len({id(engine) for engine in got if engine.name == "a"}) == 1


def test_the_narrators_provider_and_the_studio_share_one_engine(monkeypatch, tmp_path):
    loads = []
    monkeypatch.setattr(stock, "load_engine", lambda path, **kw: loads.append(kw) or _Engine("stock"))
    monkeypatch.setattr(fast, "load_fast_engine", lambda path, **kw: _Engine("fast"), raising=False)
    folder = str(tmp_path / "model")
    provider = qwen_engine_provider(folder, engine=EngineKind.STOCK, threads=1)
    engine = provider()
    assert shared_engine(EngineKind.STOCK, folder, threads=1) is engine
    assert shared_engine(EngineKind.STOCK, folder, threads=2) is not engine  # other options: another engine
    assert len(loads) == 2
