"""Every user setting, declared once and typed, persisted as JSON in the user config directory.

Unknown keys in the file are ignored and missing ones take their defaults, so older and newer versions of the
app can share a settings file. Each field's metadata (label, choices, range, group) is what the settings dialog
is generated from, so a new setting needs one line here and nothing in the GUI.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import Field, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from reader_app.paths import APP_AUTHOR, APP_NAME

log = logging.getLogger(__name__)

MODEL_KINDS = ("custom_voice", "voice_design", "base")
MODEL_SIZES = ("0.6b", "1.7b")


def setting(default: Any, label: str = "", group: str = "", choices: tuple = (), minimum: float | None = None,
            maximum: float | None = None, step: float | None = None, suffix: str = "", hidden: bool = False,
            help: str = "") -> Any:
    """A dataclass field that also carries how the settings dialog shows it (hidden: not in the dialog)."""
    meta = {"label": label, "group": group, "choices": choices, "minimum": minimum, "maximum": maximum,
            "step": step, "suffix": suffix, "hidden": hidden or not label, "help": help}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class Settings:
    # -- model --------------------------------------------------------------------------------------------
    model_path: str = setting("", "Model folder", "Model", help="Checkpoint folder used for narration; "
                              "the READER_APP_MODEL environment variable overrides it.")
    model_kind: str = setting("custom_voice", "Model kind", "Model", choices=MODEL_KINDS,
                              help="Which Qwen3-TTS family to use (preset speakers, designed or cloned voices).")
    model_size: str = setting("0.6b", "Model size", "Model", choices=MODEL_SIZES,
                              help="0.6B is faster; 1.7B sounds better and follows style instructions.")
    # A folder per kind/size, remembered so switching kind or size picks the matching checkpoint.
    model_folders: dict = setting({}, hidden=True)
    device: str = setting("auto", "Device", "Model", choices=("auto", "cuda", "mps", "cpu"))
    dtype: str = setting("auto", "Precision", "Model", choices=("auto", "bfloat16", "float16", "float32"))
    cpu_threads: int = setting(0, "CPU threads", "Model", minimum=0, maximum=64,
                               help="0 lets torch decide.")
    # -- narration ------------------------------------------------------------------------------------------
    voice: str = setting("", help="Default voice for new books (empty: the model's first preset speaker).")
    lookahead_s: float = setting(60.0, "Look-ahead", "Narration", minimum=0, maximum=3600, step=10,
                                 suffix=" s", help="Seconds of audio generated ahead of what you hear.")
    batch_size: int = setting(4, "Batch size", "Narration", minimum=1, maximum=32,
                              help="Sentences generated together (larger is faster on a GPU).")
    pause_sentence_s: float = setting(0.25, "Pause after a sentence", "Narration", minimum=0, maximum=5,
                                      step=0.05, suffix=" s")
    pause_paragraph_s: float = setting(0.6, "Pause after a paragraph", "Narration", minimum=0, maximum=5,
                                       step=0.05, suffix=" s")
    pause_chapter_s: float = setting(1.5, "Pause after a chapter", "Narration", minimum=0, maximum=10,
                                     step=0.1, suffix=" s")
    volume: float = setting(1.0)
    speed: float = setting(1.0)
    # -- appearance --------------------------------------------------------------------------------------
    font_size: int = setting(15, "Text size", "Reading", minimum=8, maximum=40, suffix=" pt")
    theme: str = setting("light", "Theme", "Reading", choices=("light", "dark"))
    auto_scroll: bool = setting(True, "Follow the voice (auto-scroll)", "Reading")
    # -- storage ----------------------------------------------------------------------------------------------
    cache_limit_mb: int = setting(2048, "Audio cache limit", "Storage", minimum=64, maximum=1_000_000, step=256,
                                  suffix=" MB", help="All books together; least recently heard audio goes first.")
    audio_output: str = setting("default", "Audio output", "Storage", choices=("default", "null"),
                                help="null: silent (for machines without a sound device).")
    extra: dict = setting({})

    @classmethod
    def path(cls) -> Path:
        return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)) / "settings.json"

    @classmethod
    def editable_fields(cls) -> list[Field]:
        """The fields the settings dialog shows, in declaration order."""
        return [f for f in fields(cls) if not f.metadata.get("hidden", True)]

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or cls.path()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("Ignoring unreadable settings file %s: %s", path, exc)
            return cls()
        defaults = cls()
        values = {}
        for name, value in raw.items() if isinstance(raw, dict) else ():
            coerced = _coerce(getattr(defaults, name, None), value) if hasattr(defaults, name) else None
            if coerced is not None:
                values[name] = coerced
        return cls(**values)

    def save(self, path: Path | None = None) -> None:
        path = path or self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written settings file

    def remember_model(self, kind: str, size: str, folder: str) -> None:
        """Record the folder of a kind/size checkpoint and make it the current model."""
        self.model_folders = {**self.model_folders, f"{kind}/{size}": folder}
        self.model_kind, self.model_size, self.model_path = kind, size, folder

    def folder_for(self, kind: str, size: str) -> str:
        return str(self.model_folders.get(f"{kind}/{size}", ""))


def _coerce(default: Any, value: Any) -> Any:
    """value if it has the default's type (ints accepted for floats), else None."""
    if isinstance(default, bool) or isinstance(value, bool):
        return value if isinstance(default, bool) and isinstance(value, bool) else None
    if isinstance(default, float) and isinstance(value, (int, float)):
        return float(value)
    return value if isinstance(value, type(default)) else None
