"""The GUI thread never imports torch or qwen_tts: they load on worker threads, after the window shows."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import sys, threading, time, importlib.abc

    heavy_imports = []

    class Watch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name in ("torch", "qwen_tts"):
                heavy_imports.append((name, threading.current_thread() is threading.main_thread()))
            return None

    sys.meta_path.insert(0, Watch())
    from PySide6.QtWidgets import QApplication
    from reader_app.audio.output import NullOutput
    from reader_app.resources import sample_book_path
    from reader_app.settings import Settings
    from reader_app.store import Library
    from reader_app.ui.main_window import MainWindow
    from reader_app.ui.services import AppServices

    app = QApplication([])
    services = AppServices(Settings(model_path=sys.argv[1], lookahead_s=2), Library(sys.argv[2]),
                           output_factory=NullOutput, save_settings=False,
                           engine_options={"max_frames_per_char": 0.05, "margin_frames": 6})
    window = MainWindow(services)
    window.show()
    assert "torch" not in sys.modules, "torch imported before the window showed"
    window.open_book(sample_book_path())
    heard = []
    window.controller.sentenceStarted.connect(heard.append)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and window.book is None:
        app.processEvents(); time.sleep(0.01)
    window.playback.toggle_play()
    while time.monotonic() < deadline and not heard:
        app.processEvents(); time.sleep(0.01)
    window.close()
    assert heard, "nothing was played"
    if sys.argv[3] == "process":  # the model lives in the engine process: torch never enters this one
        assert not heavy_imports, f"imported in the GUI process: {heavy_imports}"
        assert window.services.engine_provider().get().pid is not None
        print("OK")
        raise SystemExit(0)
    assert "torch" in sys.modules, "the model was never loaded"
    on_gui = [name for name, main in heavy_imports if main]
    print("HEAVY", heavy_imports[:4])
    assert not on_gui, f"imported on the GUI thread: {on_gui}"
    print("OK")
""")


@pytest.mark.parametrize("host", ["inline", "process"])
def test_gui_thread_never_imports_torch_or_qwen_tts(tiny_custom_voice, tmp_path, host):
    """inline: they load on a worker thread of the GUI process; process: only in the engine's own process."""
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tiny_custom_voice), str(tmp_path / "lib"), host],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "READER_APP_ENGINE_HOST": host})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout
