"""The voice studio and the pronunciation dialog with the engine in its own process: a preview, a clone saved
through the dialog and Listen's engine all run in spawned children, and torch never enters the GUI process.

A subprocess, because this test process has loaded torch long ago (inline engines of other tests)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import importlib.abc, os, sys, time

    heavy_imports = []

    class Watch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in ("torch", "qwen_tts", "transformers"):
                heavy_imports.append(name)
            return None

    sys.meta_path.insert(0, Watch())
    import soundfile as sf
    from PySide6.QtWidgets import QApplication
    from reader_app.audio.output import NullOutput
    from reader_app.service.process_engine import ProcessEngine
    from reader_app.settings import Settings
    from reader_app.store import Library
    from reader_app.ui.lexicon_dialog import LexiconDialog
    from reader_app.ui.services import AppServices
    from reader_app.ui.voice_studio import VoiceStudioDialog
    from reader_app.voices import library as voices
    from tests.support.audio import SR, speechlike

    custom, base, work = sys.argv[1:4]
    app = QApplication([])
    settings = Settings(model_path=custom, device="cpu", cpu_threads=1)
    settings.extra["voice_studio_models"] = {"base": base}
    services = AppServices(settings, Library(work + "/lib"), output_factory=lambda: NullOutput(realtime=False),
                           save_settings=False,
                           engine_options={"greedy": True, "max_frames_per_char": 0.05, "margin_frames": 6})
    studio = VoiceStudioDialog(services)
    studio.show()

    def wait(done, what):
        deadline = time.monotonic() + 240
        while not done():
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out: {what}; the studio says {studio.status.text()!r}")
            app.processEvents()
            time.sleep(0.01)

    clips = []
    studio.preview_ready.connect(clips.append)
    studio.presets.preview.click()
    wait(lambda: clips and not studio.worker.busy, "the preset preview")
    assert clips[0].duration_s > 0, "an empty preview"

    ref = work + "/ref.wav"
    sf.write(ref, speechlike(4.0), SR)
    studio.ask_open_file = lambda *args: ref
    studio.clone.choose.click()
    index = studio.clone.model.findData(base)
    assert index >= 0, "the Base model is not offered"
    studio.clone.model.setCurrentIndex(index)
    studio.clone.transcript.setPlainText("The quick brown fox jumps over the lazy dog.")
    studio.clone.name.setText("Child Voice")
    studio.clone.save.click()
    wait(lambda: "Saved Child Voice" in studio.status.text() and not studio.worker.busy, "the clone")
    entry = voices.get_voice("child voice")
    assert entry is not None and entry.has_prompt and entry.model["kind"] == "base", entry
    assert entry.model["hidden_size"] == 64, entry.model  # the tiny talker's, read off the prompt

    engines = [studio.worker.engines.get(folder) for folder in (custom, base)]
    assert all(isinstance(e, ProcessEngine) and e.pid not in (None, os.getpid()) for e in engines), engines
    assert {e.spec.engine for e in engines} == {"stock"}
    lexicon = LexiconDialog(services)  # Listen with a model other than narration's: the studio's own child
    assert lexicon._load_engine(base) is engines[1]
    lexicon.close()
    studio.done(0)
    assert "torch" not in sys.modules and not heavy_imports, f"imported in the GUI process: {heavy_imports[:5]}"
    print("OK")
""")


def test_the_studio_previews_and_clones_in_the_engine_process_without_torch_here(tiny_custom_voice, tiny_base,
                                                                                 tmp_path):
    (tmp_path / "data").mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "READER_APP_ENGINE_HOST": "process",
           "XDG_DATA_HOME": str(tmp_path / "data")}  # the saved voice lands in this test's own folder
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tiny_custom_voice), str(tiny_base), str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "OK" in result.stdout
