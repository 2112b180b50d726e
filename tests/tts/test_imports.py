"""Light modules stay light: the GUI imports them on its own thread before any model is needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_light_modules_do_not_import_torch() -> None:
    code = (
        "import json, sys\n"
        "import reader_app.tts.engine, reader_app.models.catalog, reader_app.tts.budget, reader_app.tts.silence\n"
        "import reader_app.cli.main, reader_app.models.download, reader_app.devtools.checkpoint_spec\n"
        "import reader_app.tts.qwen_import, reader_app.devtools.checkpoint, reader_app.tts.stock.engine\n"
        "heavy = [m for m in ('torch', 'qwen_tts', 'transformers', 'huggingface_hub', 'librosa') if m in sys.modules]\n"
        "print(json.dumps(heavy))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
