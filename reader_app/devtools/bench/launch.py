"""Time from launch to a visible window, and whether torch was imported by then.

    .venv/bin/python -m reader_app.devtools.bench.launch [--runs N]

Starts the real app (run_gui) in a fresh subprocess, offscreen, with isolated user folders, and reports when the
main window first becomes visible (measured from interpreter start, so imports count).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import sys, time
t0 = float(sys.argv[1])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import reader_app.ui.app as app_module

def report():
    for w in QApplication.topLevelWidgets():
        if w.isVisible() and w.__class__.__name__ == "MainWindow":
            import json
            print(json.dumps({"visible_s": time.time() - t0, "torch": "torch" in sys.modules}), flush=True)
            QApplication.instance().quit()
            return
    QTimer.singleShot(5, report)

QTimer.singleShot(0, report)  # runs once the event loop starts, i.e. right after window.show()
app_module.run_gui()
"""


def measure_once() -> dict:
    with tempfile.TemporaryDirectory(prefix="reader-launch-") as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            env[var] = os.path.join(home, var.lower())
        import time

        started = time.time()
        out = subprocess.run([sys.executable, "-c", CHILD, repr(started)], env=env, capture_output=True, text=True,
                             timeout=120)
        for line in out.stdout.splitlines():
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(f"no report from the app: {out.stderr[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [measure_once() for _ in range(args.runs)]
    times = [r["visible_s"] for r in results]
    print(f"time to window visible: median {statistics.median(times):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times)})")
    print(f"torch imported by then: {any(r['torch'] for r in results)}")
    return 0 if statistics.median(times) < 1.5 and not any(r["torch"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
