"""Every user setting, declared once and typed, persisted as JSON in the user config directory.

Unknown keys in the file are ignored and missing ones take their defaults, so older and newer versions of the
app can share a settings file. Each field's metadata (label, choices, range, group) is what the settings dialog
is generated from, so a new setting needs one line here and nothing in the GUI; its `reloads` says what a change
of it makes the running app redo (reconfigure the narrator, drop the loaded engine).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import Field, asdict, dataclass, field, fields
from enum import Enum, Flag, StrEnum, auto
from pathlib import Path
from typing import Any

import platformdirs

from reader_app.paths import APP_AUTHOR, APP_NAME
from reader_app.tts.engine import ModelKind

log = logging.getLogger(__name__)

MODEL_KINDS = tuple(ModelKind)
MODEL_SIZES = ("0.6b", "1.7b")  # a str, not an enum: a checkpoint may report its own tag ("tiny" test models)


class ThemeName(StrEnum):
    LIGHT = "light"
    DARK = "dark"


class Reload(Flag):
    """What the running app redoes when a setting changes, beyond saving it (AppServices.apply_settings and the
    window act on it). Settings without it are read where they are used (appearance, speed, volume) or handed on
    as they change (the cache limit, to the library)."""

    NOTHING = 0
    NARRATOR = auto()  # the narrator is reconfigured: its clip keys or its plan depend on the setting
    ENGINE = auto()  # the loaded engine is dropped: it was built with the setting


def setting(default: Any, label: str = "", group: str = "", choices: tuple = (), minimum: float | None = None,
            maximum: float | None = None, step: float | None = None, suffix: str = "", hidden: bool = False,
            help: str = "", reloads: Reload = Reload.NOTHING) -> Any:
    """A dataclass field that also carries how the settings dialog shows it (hidden: not in the dialog) and what
    a change of it reloads."""
    meta = {"label": label, "group": group, "choices": choices, "minimum": minimum, "maximum": maximum,
            "step": step, "suffix": suffix, "hidden": hidden or not label, "help": help, "reloads": reloads}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class Settings:
    # -- model --------------------------------------------------------------------------------------------
    model_path: str = setting("", "Model folder", "Model", reloads=Reload.NARRATOR,
                              help="Checkpoint folder used for narration; "
                              "the READER_APP_MODEL environment variable overrides it.")
    model_kind: ModelKind = setting(ModelKind.CUSTOM_VOICE, "Model kind", "Model", choices=MODEL_KINDS,
                                    reloads=Reload.NARRATOR, help="Which Qwen3-TTS family to use (preset "
                                    "speakers, designed or cloned voices).")
    model_size: str = setting("0.6b", "Model size", "Model", choices=MODEL_SIZES, reloads=Reload.NARRATOR,
                              help="0.6B is faster; 1.7B sounds better and follows style instructions.")
    # A folder per kind/size, remembered so switching kind or size picks the matching checkpoint.
    model_folders: dict = setting({}, hidden=True)
    # Device and precision stay strings: the engines also take "cuda:1" and the short dtype names.
    device: str = setting("auto", "Device", "Model", choices=("auto", "cuda", "mps", "cpu"),
                          reloads=Reload.NARRATOR | Reload.ENGINE)
    dtype: str = setting("auto", "Precision", "Model", choices=("auto", "bfloat16", "float16", "float32"),
                         reloads=Reload.NARRATOR | Reload.ENGINE)
    cpu_threads: int = setting(0, "CPU threads", "Model", minimum=0, maximum=64,
                               reloads=Reload.NARRATOR | Reload.ENGINE, help="0 lets torch decide.")
    # -- narration ------------------------------------------------------------------------------------------
    voice: str = setting("", reloads=Reload.NARRATOR,
                         help="Default voice for new books (empty: the model's first preset speaker).")
    lookahead_s: float = setting(60.0, "Look-ahead", "Narration", minimum=0, maximum=3600, step=10,
                                 suffix=" s", reloads=Reload.NARRATOR,
                                 help="Seconds of audio generated ahead of what you hear.")
    batch_size: int = setting(4, "Batch size", "Narration", minimum=1, maximum=32, reloads=Reload.NARRATOR,
                              help="Sentences generated together (larger is faster on a GPU).")
    pause_sentence_s: float = setting(0.25, "Pause after a sentence", "Narration", minimum=0, maximum=5,
                                      step=0.05, suffix=" s", reloads=Reload.NARRATOR)
    pause_paragraph_s: float = setting(0.6, "Pause after a paragraph", "Narration", minimum=0, maximum=5,
                                       step=0.05, suffix=" s", reloads=Reload.NARRATOR)
    pause_chapter_s: float = setting(1.5, "Pause after a chapter", "Narration", minimum=0, maximum=10,
                                     step=0.1, suffix=" s", reloads=Reload.NARRATOR)
    volume: float = setting(1.0)
    speed: float = setting(1.0)
    # -- appearance --------------------------------------------------------------------------------------
    font_size: int = setting(15, "Text size", "Reading", minimum=8, maximum=40, suffix=" pt")
    theme: ThemeName = setting(ThemeName.LIGHT, "Theme", "Reading", choices=tuple(ThemeName))
    auto_scroll: bool = setting(True, "Follow the voice (auto-scroll)", "Reading")
    # -- storage ----------------------------------------------------------------------------------------------
    cache_limit_mb: int = setting(2048, "Audio cache limit", "Storage", minimum=64, maximum=1_000_000, step=256,
                                  suffix=" MB", help="All books together; least recently heard audio goes first.")
    audio_output: str = setting("default", "Audio output", "Storage", choices=("default", "null"),
                                help="null: silent (for machines without a sound device).")
    extra: dict = setting({})

    def __post_init__(self) -> None:
        # Vocabulary fields hold their enum, whether given a member or its string (a dialog combo, a copy).
        for spec in fields(self):
            default = spec.default
            if isinstance(default, Enum):
                setattr(self, spec.name, type(default)(getattr(self, spec.name)))

    @classmethod
    def path(cls) -> Path:
        return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)) / "settings.json"

    @classmethod
    def editable_fields(cls) -> list[Field]:
        """The fields the settings dialog shows, in declaration order."""
        return [f for f in fields(cls) if not f.metadata.get("hidden", True)]

    @classmethod
    def names_reloading(cls, what: Reload) -> frozenset[str]:
        """The settings whose change makes the app redo `what` (their `reloads` metadata)."""
        return frozenset(f.name for f in fields(cls) if what & f.metadata["reloads"])

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

    def remember_model(self, kind: ModelKind, size: str, folder: str) -> None:
        """Record the folder of a kind/size checkpoint and make it the current model."""
        self.model_folders = {**self.model_folders, f"{kind}/{size}": folder}
        self.model_kind, self.model_size, self.model_path = kind, size, folder

    def folder_for(self, kind: ModelKind, size: str) -> str:
        return str(self.model_folders.get(f"{kind}/{size}", ""))


def _coerce(default: Any, value: Any) -> Any:
    """value if it has the default's type (ints accepted for floats, a vocabulary's strings for its enum), else
    None."""
    if isinstance(default, Enum):
        try:
            return type(default)(value)
        except ValueError:
            return None
    if isinstance(default, bool) or isinstance(value, bool):
        return value if isinstance(default, bool) and isinstance(value, bool) else None
    if isinstance(default, float) and isinstance(value, (int, float)):
        return float(value)
    return value if isinstance(value, type(default)) else None
