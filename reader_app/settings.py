"""Every user setting, declared once and typed, persisted as JSON in the user config directory.

Unknown keys in the file are ignored and missing ones take their defaults, so older and newer versions of the
app can share a settings file. Each field's metadata (label, choices, range, group) is what the settings dialog
is generated from, so a new setting needs one line here and nothing in the GUI; its `reloads` says what a change
of it makes the running app redo (reconfigure the narrator, drop the loaded engine).

Every value is checked against its declaration (type, finite, range, choices or pattern) whenever it is set: by
the constructor and by `settings.name = value` (SettingError, a ValueError naming the setting and what it
accepts), and by `Settings.load` and the dialog through `from_values` (an invalid value keeps the default or the
current value, and says so). A settings file that cannot be used at all (unreadable, over 1 MB, not JSON,
nested, not an object) is moved aside to `settings.json.bad` and the defaults are used; `load_notice` carries
the one-line message to show.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from enum import Enum, Flag, StrEnum, auto
from pathlib import Path
from typing import Any

import platformdirs

from reader_app.audio.output_kind import OutputKind
from reader_app.books.options import CodeListings
from reader_app.jsonfile import JsonFileError, read_json_file
from reader_app.narration.config import SPEED_MAX, SPEED_MIN
from reader_app.paths import APP_AUTHOR, APP_NAME
from reader_app.tts.engine import EngineHost, ModelKind
from reader_app.tts.fast.config import WeightFormat

log = logging.getLogger(__name__)

MODEL_KINDS = tuple(ModelKind)
MODEL_SIZES = ("0.6b", "1.7b")  # a str, not an enum: a checkpoint may report its own tag ("tiny" test models)
MAX_FILE_BYTES = 1 << 20
MAX_TEXT = 4096  # a path or a voice name; anything longer is garbage, not a setting
BAD_SUFFIX = ".bad"


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


class SettingError(ValueError):
    """A value a setting cannot take; the message names the setting, the value and what it accepts."""


def setting(default: Any, label: str = "", group: str = "", choices: tuple = (), minimum: float | None = None,
            maximum: float | None = None, step: float | None = None, suffix: str = "", hidden: bool = False,
            help: str = "", reloads: Reload = Reload.NOTHING, pattern: str = "",
            item_type: type | None = None, secret: bool = False,
            enabled_when: tuple[str, Any] | None = None) -> Any:
    """A dataclass field that also carries how the settings dialog shows it (hidden: not in the dialog; secret:
    typed as a password; enabled_when (name, value): editable only while that setting has that value), what a
    change of it reloads, and what it accepts: minimum/maximum for numbers; for text its `choices` (what the
    dialog offers, and all it accepts unless a `pattern` accepts more, like "cuda:1"); for a dict the type of its
    values (item_type)."""
    meta = {"label": label, "group": group, "choices": choices, "minimum": minimum, "maximum": maximum,
            "step": step, "suffix": suffix, "hidden": hidden or not label, "help": help, "reloads": reloads,
            "pattern": pattern, "item_type": item_type, "transient": False, "secret": secret,
            "enabled_when": enabled_when}
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
                              pattern=r"[\w.+-]{1,32}",
                              help="0.6B is faster; 1.7B sounds better and follows style instructions.")
    # A folder per kind/size, remembered so switching kind or size picks the matching checkpoint.
    model_folders: dict = setting({}, hidden=True, item_type=str)
    # Device and precision stay strings: the engines also take "cuda:1" and the short dtype names.
    device: str = setting("auto", "Device", "Model", choices=("auto", "cuda", "mps", "cpu"),
                          pattern=r"auto|cpu|mps|cuda(:\d{1,2})?", reloads=Reload.NARRATOR | Reload.ENGINE)
    dtype: str = setting("auto", "Precision", "Model", choices=("auto", "bfloat16", "float16", "float32"),
                         pattern=r"auto|bfloat16|bf16|float16|fp16|float32|fp32",
                         reloads=Reload.NARRATOR | Reload.ENGINE)
    cpu_threads: int = setting(0, "CPU threads", "Model", minimum=0, maximum=64,
                               reloads=Reload.NARRATOR | Reload.ENGINE, help="0 lets torch decide.")
    weights: WeightFormat = setting(WeightFormat.AUTO, "Weights", "Model", choices=tuple(WeightFormat),
                                    reloads=Reload.NARRATOR | Reload.ENGINE,
                                    help="How the model's weights are stored on the CPU. auto: fp16 "
                                    "(fbgemm-packed); int8: about 1.3x faster again on one core, "
                                    "with a small loss of fidelity (docs/BENCHMARKS.md).")
    engine_host: EngineHost = setting(EngineHost.PROCESS, "Run the engine", "Model", choices=tuple(EngineHost),
                                      reloads=Reload.NARRATOR | Reload.ENGINE,
                                      help="process: in a process of its own, so the window and playback "
                                      "never wait for the model (and a crash of it is survived); inline: "
                                      "in the app's own process; remote: on the speech server below "
                                      "(narration only: the voice studio still uses a local model). "
                                      "READER_APP_ENGINE_HOST overrides it.")
    # The server narration uses with engine_host remote, and `--engine remote` without --server/--token.
    remote_server: str = setting("", "Speech server", "Model", pattern=r"(https?://\S{1,2000})?",
                                 reloads=Reload.NARRATOR | Reload.ENGINE,
                                 enabled_when=("engine_host", EngineHost.REMOTE),
                                 help="reader-app serve or vLLM-Omni's speech API, e.g. http://gpu-box:8000. "
                                 "Its clips are cached apart from local ones (keyed by the server's model).")
    remote_token: str = setting("", "Server token", "Model", reloads=Reload.ENGINE, secret=True,
                                pattern=r"[\x21-\x7e]{0,512}", enabled_when=("engine_host", EngineHost.REMOTE),
                                help="Sent as 'Authorization: Bearer <token>'; reader-app serve --token sets it.")
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
    volume: float = setting(1.0, minimum=0, maximum=1)  # the transport's slider
    speed: float = setting(1.0, minimum=SPEED_MIN, maximum=SPEED_MAX)  # the one range: narration/config.py
    # -- characters (optional: who speaks a line asked of a chat model; off while the endpoint is empty) ------
    attribution_endpoint: str = setting("", "Attribution endpoint", "Characters", pattern=r"(https?://\S{1,2000})?",
                                        help="An OpenAI-compatible chat endpoint (e.g. http://127.0.0.1:8080/v1) "
                                        "that may name the speakers of a book's dialogue; empty: rules only.")
    attribution_model: str = setting("", "Attribution model", "Characters", pattern=r"[\w.:/@+-]{0,200}",
                                     help="The model name the endpoint expects.")
    attribution_key_env: str = setting("OPENAI_API_KEY", "API key variable", "Characters",
                                       pattern=r"([A-Za-z_][A-Za-z0-9_]{0,127})?",
                                       help="The environment variable holding the endpoint's API key "
                                       "(the key itself is never stored).")
    # -- appearance --------------------------------------------------------------------------------------
    font_size: int = setting(15, "Text size", "Reading", minimum=8, maximum=40, suffix=" pt")
    theme: ThemeName = setting(ThemeName.LIGHT, "Theme", "Reading", choices=tuple(ThemeName))
    auto_scroll: bool = setting(True, "Follow the voice (auto-scroll)", "Reading")
    close_to_tray: bool = setting(False, "Keep playing in the tray when the window is closed", "Reading",
                                  help="Closing the window hides it in the system tray; Quit ends the app.")
    code_listings: CodeListings = setting(CodeListings.SUMMARISE, "Code listings", "Reading",
                                          choices=tuple(CodeListings),
                                          help="Program code in technical books: read it verbatim, say "
                                          "\"Code listing, 14 lines.\" instead (summarise), or skip it. "
                                          "Takes effect when a book is next opened.")
    # -- storage ----------------------------------------------------------------------------------------------
    cache_limit_mb: int = setting(2048, "Audio cache limit", "Storage", minimum=64, maximum=1_000_000, step=256,
                                  suffix=" MB", help="All books together; least recently heard audio goes first.")
    audio_output: str = setting("default", "Audio output", "Storage", choices=("default", "null"),
                                pattern="|".join(OutputKind),
                                help="null: silent (for machines without a sound device).")
    extra: dict = setting({})
    # Not a setting: what Settings.load has to tell the user about the file (shown once); never saved.
    load_notice: str = field(default="", init=False, compare=False, repr=False,
                             metadata={"hidden": True, "reloads": Reload.NOTHING, "transient": True})

    def __setattr__(self, name: str, value: Any) -> None:
        spec = _SPECS.get(name)
        if spec is not None:  # the constructor, replace(), the dialog and `settings.x = y` all come here
            value = check_setting(spec, value)
        object.__setattr__(self, name, value)

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
    def from_values(cls, values: Mapping[str, Any], base: Settings | None = None) -> tuple[Settings, list[str]]:
        """A copy of base (default: the defaults) with `values` set one by one, and what was wrong: a value a
        setting cannot take keeps base's and is described in the list. Unknown names are ignored."""
        settings = copy.deepcopy(base) if base is not None else cls()
        settings.load_notice = ""
        problems = []
        for name, value in values.items():
            if name not in _SPECS:
                continue
            try:
                setattr(settings, name, value)
            except SettingError as exc:
                problems.append(f"{exc} (kept {_shown(getattr(settings, name))})")
        return settings, problems

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """The settings in path (default: the user's file). Never raises for what the file holds (see the module
        docstring); `load_notice` says in one line what was wrong ("" when nothing was)."""
        path = path or cls.path()
        try:
            raw = read_json_file(path, expect=dict, max_bytes=MAX_FILE_BYTES)
        except FileNotFoundError:
            return cls()
        except JsonFileError as exc:
            settings = cls()
            settings.load_notice = _set_aside(path, str(exc))
        else:
            settings, problems = cls.from_values(raw)
            if problems:
                settings.load_notice = (f"Some settings in {path} were invalid and use their defaults: "
                                        f"{'; '.join(problems)}.")
        if settings.load_notice:
            log.warning("%s", settings.load_notice)
        return settings

    def save(self, path: Path | None = None) -> None:
        path = path or self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        data = {f.name: getattr(self, f.name) for f in fields(self) if not f.metadata["transient"]}
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written settings file

    def remember_model(self, kind: ModelKind, size: str, folder: str) -> None:
        """Record the folder of a kind/size checkpoint and make it the current model."""
        self.model_folders = {**self.model_folders, f"{kind}/{size}": folder}
        self.model_kind, self.model_size, self.model_path = kind, size, folder

    def folder_for(self, kind: ModelKind, size: str) -> str:
        return str(self.model_folders.get(f"{kind}/{size}", ""))


_SPECS: dict[str, Field] = {f.name: f for f in fields(Settings) if not f.metadata["transient"]}


def _shown(value: Any) -> str:
    text = repr(value.value if isinstance(value, Enum) else value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _range(meta: Mapping[str, Any]) -> str:
    low, high = meta["minimum"], meta["maximum"]
    if low is not None and high is not None:
        return f" between {_number(low)} and {_number(high)}"
    if low is not None:
        return f" of at least {_number(low)}"
    return f" of at most {_number(high)}" if high is not None else ""


def _default(spec: Field) -> Any:
    if spec.default is not MISSING:
        return spec.default
    factory: Any = spec.default_factory  # every field here has a default or a factory
    return factory()


def check_setting(spec: Field, value: Any) -> Any:
    """value as the setting `spec` holds it (an enum's string becomes its member, an int a float where a float
    is declared); SettingError when the setting cannot take it."""
    default, meta, name = _default(spec), spec.metadata, spec.name

    def refuse(accepts: str) -> SettingError:
        return SettingError(f"{name} = {_shown(value)} is not {accepts}")

    if isinstance(default, Enum):
        try:
            return type(default)(value)
        except ValueError:
            raise refuse("one of " + ", ".join(str(m.value) for m in type(default))) from None
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise refuse("true or false")
        return value
    if isinstance(default, (int, float)):
        whole = isinstance(default, int)
        accepts = ("a whole number" if whole else "a finite number") + _range(meta)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise refuse(accepts)
        if isinstance(value, float) and not (math.isfinite(value) and (value.is_integer() or not whole)):
            raise refuse(accepts)
        low, high = meta["minimum"], meta["maximum"]
        if low is not None and value < low or high is not None and value > high:
            raise refuse(accepts)
        return int(value) if whole else float(value)
    if isinstance(default, str):
        if not isinstance(value, str) or len(value) > MAX_TEXT or "\x00" in value:
            raise refuse(f"text (at most {MAX_TEXT} characters)")
        pattern, choices = meta["pattern"], meta["choices"]
        if pattern and not re.fullmatch(pattern, value) or choices and not pattern and value not in choices:
            raise refuse("one of " + ", ".join(str(c) for c in choices) + (" (or alike)" if pattern else ""))
        return value
    if isinstance(default, dict):
        item = meta["item_type"]
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value) or \
                item is not None and not all(isinstance(v, item) for v in value.values()):
            raise refuse("an object" + (f" of {item.__name__} values" if item is not None else ""))
        return value
    return value


def _set_aside(path: Path, reason: str) -> str:
    """Move an unusable settings file to <name>.bad (so the next start is clean) and say so in one line."""
    bad = path.with_name(path.name + BAD_SUFFIX)
    try:
        os.replace(path, bad)
    except OSError as exc:
        return (f"The settings file {path} cannot be used ({reason}); using the default settings "
                f"(it could not be set aside: {exc.strerror or exc}).")
    return (f"The settings file {path} cannot be used ({reason}); using the default settings (the file is kept "
            f"as {bad.name}).")
