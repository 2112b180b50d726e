"""Finding and checking Qwen3-TTS model folders, without importing torch.

The GUI and the command line call this on their own threads to show what is installed, validate a chosen
folder with a clear message, and compute the model fingerprint used in clip cache keys - all before (or
without) loading the model.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from reader_app.tts.engine import MODEL_KIND_LABEL, VOICE_MODEL_KIND, EngineError, ModelKind, VoiceKind

MODEL_ENV = "READER_APP_MODEL"
MARKER_FILE = "reader_app_checkpoint.json"  # written by reader_app.devtools.checkpoint for random test models
_SIZE_NAMES = {"0b6": "0.6b", "1b7": "1.7b"}


class ModelNotFoundError(EngineError):
    """The model folder named does not exist (the command line's not-found exit code)."""


@dataclass(frozen=True)
class KnownModel:
    repo_id: str
    kind: ModelKind
    size: str
    description: str


KNOWN_MODELS: dict[str, KnownModel] = {m.repo_id: m for m in (
    KnownModel("Qwen/Qwen3-TTS-12Hz-0.6B-CustomVoice", ModelKind.CUSTOM_VOICE, "0.6b",
               "Nine preset speakers; smallest and fastest (no style instructions)."),
    KnownModel("Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice", ModelKind.CUSTOM_VOICE, "1.7b",
               "Nine preset speakers with style instructions."),
    KnownModel("Qwen/Qwen3-TTS-12Hz-1.7B-VoiceDesign", ModelKind.VOICE_DESIGN, "1.7b",
               "A voice designed from a written description."),
    KnownModel("Qwen/Qwen3-TTS-12Hz-0.6B-Base", ModelKind.BASE, "0.6b", "Clones a voice from a short recording."),
    KnownModel("Qwen/Qwen3-TTS-12Hz-1.7B-Base", ModelKind.BASE, "1.7b",
               "Clones a voice from a short recording; best quality."),
)}

# What a loadable folder must hold. Tokenizer files are checked separately (either layout works).
_REQUIRED = ("config.json", "generation_config.json", "speech_tokenizer/config.json",
             "speech_tokenizer/preprocessor_config.json")
REMOTE_SIZE = "remote"  # ModelInfo.size of a speech server's model (reader_app.tts.remote)


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    kind: ModelKind  # config tts_model_type
    size: str  # "0.6b", "1.7b", "tiny" (random test checkpoints), or the config's own tag
    is_random_test_checkpoint: bool
    model_id: str  # fingerprint used in clip cache keys
    speakers: tuple[str, ...] = ()  # preset speakers (lowercase), CustomVoice only
    languages: tuple[str, ...] = ()  # language names the model accepts besides "auto" (lowercase)
    size_tag: str = ""  # raw tts_model_size from the config ("0b6", "1b7")
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    local: bool = field(default=False, compare=False)  # a folder chosen by hand, outside the models folder

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def ignores_instructions(self) -> bool:
        """0.6B CustomVoice models drop style instructions (the qwen_tts wrapper discards them)."""
        return self.kind == ModelKind.CUSTOM_VOICE and bool(self.size_tag) and self.size_tag in "0b6"

    @property
    def voice_kind(self) -> VoiceKind:
        """The VoiceSpec kind this model speaks."""
        return next(voice for voice, model in VOICE_MODEL_KIND.items() if model == self.kind)

    @property
    def on_server(self) -> bool:
        """A speech server's model (reader_app.tts.remote): no folder here, `extra["server"]` says where."""
        return self.size == REMOTE_SIZE

    def describe(self) -> str:
        label = MODEL_KIND_LABEL[self.kind]
        if self.on_server:
            return f"{self.name}: Qwen3-TTS {label} on the speech server {self.extra.get('server', '')}".rstrip()
        random_note = " (random test weights)" if self.is_random_test_checkpoint else ""
        return f"{self.name}: Qwen3-TTS {self.size} {label}{random_note}"


def _resolve_hf_cache_folder(path: Path) -> Path:
    """Accept a hub cache entry (models--Qwen--...) and use its current snapshot."""
    snapshots = path / "snapshots"
    if not (path / "config.json").exists() and snapshots.is_dir():
        ref = path / "refs" / "main"
        if ref.is_file():
            candidate = snapshots / ref.read_text().strip()
            if candidate.is_dir():
                return candidate
        found = sorted((p for p in snapshots.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
        if found:
            return found[-1]
    return path


def _weights_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.safetensors"))


def _missing_files(folder: Path) -> list[str]:
    missing = [name for name in _REQUIRED if not (folder / name).is_file()]
    if not _weights_files(folder):
        missing.append("model.safetensors")
    if not (folder / "speech_tokenizer" / "model.safetensors").is_file():
        missing.append("speech_tokenizer/model.safetensors")
    if not ((folder / "tokenizer.json").is_file()
            or ((folder / "vocab.json").is_file() and (folder / "merges.txt").is_file())):
        missing.append("tokenizer.json (or vocab.json + merges.txt)")
    return missing


def _hash_safetensors(h: hashlib._Hash, path: Path, samples: int = 16, chunk: int = 1 << 16) -> None:
    """Header plus evenly spaced samples of the data: content-based (stable when a folder is copied or moved)
    yet cheap for multi-GB files, and different for checkpoints that share shapes but not weights."""
    size = path.stat().st_size
    h.update(f"{path.name}:{size}".encode())
    with open(path, "rb") as f:
        head = f.read(8)
        h.update(head)
        if len(head) == 8:
            header_len = int.from_bytes(head, "little")
            h.update(f.read(min(header_len, 100_000_000)))
        for i in range(samples):
            f.seek(size * i // samples)
            h.update(f.read(chunk))
        f.seek(max(0, size - chunk))
        h.update(f.read(chunk))


def model_fingerprint(folder: Path) -> str:
    """Stable id of a checkpoint's audio behaviour: configs, generation defaults and sampled weights."""
    folder = Path(folder)
    h = hashlib.sha256(b"qwen3-tts-model-v1\0")
    for name in ("config.json", "generation_config.json", "speech_tokenizer/config.json"):
        path = folder / name
        if path.is_file():
            try:  # canonical JSON: whitespace or key order in a re-saved file does not change the id
                data = json.dumps(json.loads(path.read_text(encoding="utf-8")), sort_keys=True)
            except (ValueError, OSError):
                data = path.read_bytes().decode("utf-8", "replace")
            h.update(f"{name}\0{data}\0".encode())
    for path in _weights_files(folder) + _weights_files(folder / "speech_tokenizer"):
        _hash_safetensors(h, path)
    return h.hexdigest()[:24]


def inspect_model(path: str | os.PathLike) -> ModelInfo:
    """Describe the Qwen3-TTS checkpoint in `path`, or raise EngineError saying what is wrong with it."""
    folder = _resolve_hf_cache_folder(Path(path).expanduser())
    if not folder.exists():
        raise ModelNotFoundError(f"Model folder {folder} does not exist.")
    if not folder.is_dir():
        raise EngineError(f"{folder} is not a folder; choose the folder that holds the model's config.json.")
    missing = _missing_files(folder)
    if missing:
        raise EngineError(f"{folder} is not a Qwen3-TTS checkpoint: missing {', '.join(missing)}. "
                          "Download one of the Qwen3-TTS-12Hz models, or pick its folder.")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise EngineError(f"{folder}/config.json cannot be read: {exc}") from None
    kind = config.get("tts_model_type")
    if config.get("model_type") != "qwen3_tts" or kind not in tuple(ModelKind):
        raise EngineError(f"{folder} is not a Qwen3-TTS checkpoint: config.json has model_type "
                          f"{config.get('model_type')!r} and tts_model_type {kind!r}.")
    if config.get("tokenizer_type", "qwen3_tts_tokenizer_12hz") != "qwen3_tts_tokenizer_12hz":
        raise EngineError(f"{folder} uses the {config.get('tokenizer_type')} speech tokenizer; "
                          "only the 12 Hz Qwen3-TTS models are supported.")
    size_tag = str(config.get("tts_model_size") or "")
    marker = _read_marker(folder)
    size = marker.get("size") if marker else None
    talker = config.get("talker_config") or {}
    speakers = tuple(sorted(str(s).lower() for s in (talker.get("spk_id") or {})))
    speakers = _ordered_speakers(speakers)
    languages = tuple(sorted(str(name).lower() for name in (talker.get("codec_language_id") or {})
                             if "dialect" not in str(name)))
    return ModelInfo(path=folder, kind=ModelKind(kind), size=size or _SIZE_NAMES.get(size_tag, size_tag or "unknown"),
                     is_random_test_checkpoint=bool(marker and marker.get("random_weights")),
                     model_id=model_fingerprint(folder), speakers=speakers if kind == ModelKind.CUSTOM_VOICE else (),
                     languages=languages, size_tag=size_tag, extra={"marker": marker} if marker else {})


def _ordered_speakers(speakers: tuple[str, ...]) -> tuple[str, ...]:
    """Published order first (vivian ... sohee), so "the first speaker" is the same everywhere."""
    published = ("vivian", "serena", "uncle_fu", "dylan", "eric", "ryan", "aiden", "ono_anna", "sohee")
    known = [s for s in published if s in speakers]
    return tuple(known + [s for s in speakers if s not in known])


def _read_marker(folder: Path) -> dict | None:
    path = folder / MARKER_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    return data if isinstance(data, dict) else None


def configured_model_path(setting: str | None) -> Path | None:
    """The model folder to use: $READER_APP_MODEL first, then the saved setting; None when neither is set."""
    for value in (os.environ.get(MODEL_ENV), setting):
        if value and str(value).strip():
            return Path(str(value).strip()).expanduser()
    return None


def find_installed_models(root: Path | None = None) -> list[ModelInfo]:
    """Valid checkpoints under the models folder (one or two levels deep, hub cache entries included)."""
    if root is None:
        from reader_app import paths

        root = paths.models_dir()
    found: dict[Path, ModelInfo] = {}
    if not Path(root).is_dir():
        return []
    candidates: list[Path] = []
    for child in sorted(Path(root).iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        candidates.append(child)
        if not (child / "config.json").exists():  # an organisation folder (Qwen/...) or a hub cache root
            candidates.extend(sorted(p for p in child.iterdir() if p.is_dir() and not p.name.startswith(".")))
    for candidate in candidates:
        try:
            info = inspect_model(candidate)
        except (EngineError, OSError):
            continue
        found.setdefault(info.path.resolve(), info)
    return sorted(found.values(), key=lambda i: (i.kind, i.size, i.name))


def find_models(local_folders: Iterable[str | os.PathLike] = (), root: Path | None = None) -> list[ModelInfo]:
    """Every checkpoint the user has: the folders chosen by hand (the settings' model folders), marked local
    and in the order given, then those under the models folder. A folder that is no longer usable is left out."""
    installed = find_installed_models(root)
    seen = {info.path.resolve() for info in installed}
    local: list[ModelInfo] = []
    for folder in local_folders:
        try:
            info = inspect_model(folder)  # the kind and size come from its config.json
        except (EngineError, OSError):
            continue
        if info.path.resolve() not in seen:
            seen.add(info.path.resolve())
            local.append(replace(info, local=True))
    return local + installed


def default_download_dir(repo_id: str) -> Path:
    from reader_app import paths

    return paths.models_dir() / repo_id.split("/")[-1]


def download_model(repo_id: str, dest: Path | None = None,
                   progress: Callable[[int, int | None], None] | None = None,
                   cancel_event=None, endpoint: str | None = None) -> Path:
    """Download a model from the Hugging Face hub into dest (default: the models folder) and return the folder.

    progress(bytes_done, bytes_total_or_None) is called from this thread while the download runs;
    setting cancel_event (a threading.Event) stops it promptly and raises DownloadCancelled. The folder appears
    only when the download is complete and checked; a failure removes what it wrote (models/download.py).
    """
    from reader_app.models.download import download_into

    target = Path(dest) if dest is not None else default_download_dir(repo_id)
    # Into a hidden sibling first, renamed once it is a usable checkpoint: a failure leaves no empty folder.
    return download_into(repo_id, target, inspect_model, progress=progress, cancel_event=cancel_event,
                         endpoint=endpoint)
