"""The audio outputs open_output can give, by name (numpy-free, so `reader-app --help` can list them)."""

from __future__ import annotations

from enum import StrEnum


class OutputKind(StrEnum):
    """Named by the `audio_output` setting and `reader-app play --output`."""

    DEFAULT = "default"  # the sound card, else a null output with a warning
    SOUNDDEVICE = "sounddevice"  # the sound card, else AudioOutputError
    NULL = "null"  # silent: consumes audio in real time
