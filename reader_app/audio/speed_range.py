"""The one playback speed range (pitch kept). The time stretch (stretch.py) is built for it, and the narrator,
the command line's --speed, the settings file and the window's control take it from narration/config.py, which
re-exports it. Numpy-free: the command line reads it for --help."""

from __future__ import annotations

SPEED_MIN = 0.5
SPEED_MAX = 3.0
