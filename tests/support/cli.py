"""Command-line test kit: `reader-app` in a subprocess over its own user folders, with a timeout."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Random weights never emit EOS: a hard cap of 12 frames (~1 s) per sentence keeps generation short.
TINY = ("--threads", "1", "--engine-option", "max_frames=12")


@dataclass(frozen=True)
class Home:
    """User folders of one test's runs (data, config, cache), as the app sees them through XDG variables."""

    root: Path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "OMP_NUM_THREADS": "1", "XDG_DATA_HOME": str(self.root / "data"),
                "XDG_CONFIG_HOME": str(self.root / "config"), "XDG_CACHE_HOME": str(self.root / "cache")}

    @property
    def data_dir(self) -> Path:
        """What reader_app.paths.data_dir() is in these runs (platformdirs on Linux)."""
        return self.root / "data" / "reader-app"


def isolated_home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home")
    for sub in ("data", "config", "cache"):
        (home.root / sub).mkdir(parents=True, exist_ok=True)
    home.data_dir.mkdir(parents=True, exist_ok=True)
    return home


def run_cli(home: Home, *args: str | bytes, timeout: float = 120,
            preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m reader_app ARGS` (bytes arguments pass file names that are not UTF-8)."""
    return subprocess.run([sys.executable, "-m", "reader_app", *args], capture_output=True, text=True,
                          errors="backslashreplace", timeout=timeout, env=home.env, preexec_fn=preexec_fn)
