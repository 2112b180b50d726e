"""How one voice lies on disk: a folder with voice.json, optionally ref.flac/ref.wav and prompt.safetensors.

The JSON is validated strictly (known keys, types, lengths) whether it comes from the bundled voices/, the
user's voices folder or an imported archive, so a hand-edited or shared file can only ever describe a voice.
No file here is ever unpickled: audio goes through libsndfile, tensors through safetensors.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from reader_app.jsonfile import JsonFileError, read_json_file
from reader_app.tts.engine import EngineError, VoiceKind

FORMAT = "reader-app-voice-v1"
META_FILE = "voice.json"
PROMPT_FILE = "prompt.safetensors"
REF_FILES = ("ref.flac", "ref.wav")
ORIGINS = ("preset", "design", "file", "microphone", "import")
MAX_NAME = 60
MAX_TEXT = 2000
MAX_META_BYTES = 64 * 1024

# key -> (types, required)
_SCHEMA: dict[str, tuple[tuple[type, ...], bool]] = {
    "format": ((str,), True), "name": ((str,), True), "kind": ((str,), True),
    "description": ((str,), False), "language": ((str,), False), "origin": ((str,), False),
    "speaker": ((str, type(None)), False), "instruct": ((str, type(None)), False),
    "design_description": ((str, type(None)), False), "ref_text": ((str, type(None)), False),
    "sample_text": ((str, type(None)), False), "created": ((int, float), False),
    "model": ((dict, type(None)), False), "notes": ((list,), False),
}
_MODEL_KEYS = {"kind": str, "size": str, "model_id": str, "hidden_size": int}


class VoiceFileError(EngineError):
    """A voice file that is missing, damaged or not what it claims to be."""


def check_name(name: str) -> str:
    """A voice name as the user will see it; VoiceFileError if it is unusable."""
    name = unicodedata.normalize("NFC", str(name or "")).strip()
    if not name:
        raise VoiceFileError("A voice needs a name.")
    if len(name) > MAX_NAME:
        raise VoiceFileError(f"Voice names are at most {MAX_NAME} characters.")
    if any(unicodedata.category(c).startswith("C") for c in name) or "/" in name or "\\" in name:
        raise VoiceFileError(f"The voice name {name!r} contains characters that cannot be used (/, \\, control).")
    return name


def slug(name: str) -> str:
    """A folder name for a voice: ASCII letters, digits, _ and - (the name itself stays in voice.json)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9_-]+", "-", ascii_name.lower()).strip("-_")
    return text[:40] or "voice"


def validate_meta(data: object) -> dict:
    """The voice.json contents, checked; VoiceFileError naming the first problem."""
    if not isinstance(data, dict):
        raise VoiceFileError("voice.json must hold a JSON object.")
    unknown = sorted(set(data) - set(_SCHEMA))
    if unknown:
        raise VoiceFileError(f"voice.json has unknown keys: {', '.join(unknown[:5])}.")
    for key, (types, required) in _SCHEMA.items():
        if key not in data:
            if required:
                raise VoiceFileError(f"voice.json lacks {key!r}.")
            continue
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, types):
            raise VoiceFileError(f"voice.json: {key!r} has the wrong type.")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise VoiceFileError(f"voice.json: {key!r} is too long.")
    if data["format"] != FORMAT:
        raise VoiceFileError(f"voice.json is format {data['format']!r}; this app reads {FORMAT}.")
    check_name(data["name"])
    if data["kind"] not in tuple(VoiceKind):
        raise VoiceFileError(f"voice.json: unknown kind {data['kind']!r}.")
    if data.get("origin", "preset") not in ORIGINS:
        raise VoiceFileError(f"voice.json: unknown origin {data['origin']!r}.")
    notes = data.get("notes", [])
    if len(notes) > 20 or not all(isinstance(n, str) and len(n) <= 500 for n in notes):
        raise VoiceFileError("voice.json: 'notes' must be a short list of strings.")
    model = data.get("model") or {}
    for key, value in model.items():
        if key not in _MODEL_KEYS or isinstance(value, bool) or not isinstance(value, _MODEL_KEYS[key]):
            raise VoiceFileError(f"voice.json: bad model field {key!r}.")
    if data["kind"] == "preset" and not data.get("speaker"):
        raise VoiceFileError("voice.json: a preset voice needs a speaker.")
    if data["kind"] == "design" and not data.get("design_description"):
        raise VoiceFileError("voice.json: a designed voice needs its description.")
    return data


def read_meta(folder: Path) -> dict:
    """voice.json of the voice in folder, read safely (jsonfile: size, depth, type) and validated."""
    path = Path(folder) / META_FILE
    if path.is_symlink():
        raise VoiceFileError(f"{path} is not a plain voice file.")
    try:
        data = read_json_file(path, expect=dict, max_bytes=MAX_META_BYTES, max_depth=4)
    except (OSError, JsonFileError) as exc:
        raise VoiceFileError(f"Cannot read {path}: {exc}.") from None
    return validate_meta(data)


def write_meta(folder: Path, data: dict) -> None:
    validate_meta(data)
    path = Path(folder) / META_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)  # never a half-written voice.json


def ref_file(folder: Path) -> Path | None:
    for name in REF_FILES:
        path = Path(folder) / name
        if path.is_file() and not path.is_symlink():
            return path
    return None


def check_prompt_file(path: Path, hidden_size: int | None = None) -> dict:
    """Check a safetensors prompt without trusting it (reader_app.tts.clone_prompt: every field, no torch);
    returns its hidden size and whether it is in ICL mode."""
    from reader_app.tts.clone_prompt import ClonePromptError, read_prompt_file

    try:
        data = read_prompt_file(path, hidden_size=hidden_size)
    except ClonePromptError as exc:
        raise VoiceFileError(str(exc)) from None
    return {"hidden_size": data.hidden_size, "icl": data.icl_mode}
