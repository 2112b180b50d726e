"""Every user setting, declared once and typed, persisted as JSON in the user config directory.

Unknown keys in the file are ignored and missing ones take their defaults, so older and newer versions of the
app can share a settings file.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import platformdirs

from reader_app.paths import APP_AUTHOR, APP_NAME

log = logging.getLogger(__name__)


@dataclass
class Settings:
    model_path: str = ""  # the checkpoint folder used for narration; env READER_APP_MODEL overrides it
    device: str = "auto"  # auto | cuda | mps | cpu
    dtype: str = "auto"  # auto | bfloat16 | float16 | float32
    cpu_threads: int = 0  # 0: let torch decide
    voice: str = ""  # default voice name for new books ("" = the model's first preset speaker)
    lookahead_s: float = 60.0  # seconds of audio generated ahead of the cursor
    batch_size: int = 4  # sentences generated together
    pause_sentence_s: float = 0.25
    pause_paragraph_s: float = 0.6
    pause_chapter_s: float = 1.5
    volume: float = 1.0
    speed: float = 1.0
    font_size: int = 15
    theme: str = "light"  # light | dark
    auto_scroll: bool = True
    cache_limit_mb: int = 2048
    audio_output: str = "default"  # default | null
    extra: dict = field(default_factory=dict)

    @classmethod
    def path(cls) -> Path:
        return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)) / "settings.json"

    @classmethod
    def load(cls, path: Path | None = None) -> "Settings":
        path = path or cls.path()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("Ignoring unreadable settings file %s: %s", path, exc)
            return cls()
        known = {f.name: f for f in fields(cls)}
        values = {}
        for name, value in raw.items() if isinstance(raw, dict) else ():
            spec = known.get(name)
            default = getattr(cls(), name, None) if spec else None
            if spec is not None and isinstance(value, type(default)) or (
                    isinstance(default, float) and isinstance(value, int)):
                values[name] = type(default)(value) if isinstance(default, float) else value
        return cls(**values)

    def save(self, path: Path | None = None) -> None:
        path = path or self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written settings file

    def effective_model_path(self) -> str:
        return os.environ.get("READER_APP_MODEL") or self.model_path
