"""Where user data lives: platformdirs decides (XDG variables on Linux), so runs can be isolated."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "reader-app"
APP_AUTHOR = "reader-app"


def data_dir() -> Path:
    """Library database, per-book caches, user voices, settings."""
    path = Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Disposable files: built test checkpoints, downloads in progress."""
    path = Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    """Downloaded or registered model checkpoints."""
    override = os.environ.get("READER_APP_MODELS_DIR")
    path = Path(override) if override else data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def books_dir() -> Path:
    """One SQLite file per book (sentences and audio clips)."""
    path = data_dir() / "books"
    path.mkdir(parents=True, exist_ok=True)
    return path


def voices_dir() -> Path:
    """User voices: JSON metadata, reference audio, safetensors."""
    path = data_dir() / "voices"
    path.mkdir(parents=True, exist_ok=True)
    return path


def claims_dir() -> Path:
    """Lock files through which workers on one book share out its clips (narration/claims.py); not created here:
    the caller copes with a folder it cannot create."""
    return Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)) / "claims"


_FS_BYTES = "fsbytes:"  # a stored path that is not UTF-8: its bytes in hex (a real path never starts so)


def path_to_text(path: str | os.PathLike[str]) -> str:
    """A path as text a database can keep: as it is, or, for a file name that is not UTF-8 (its bytes reach
    Python as lone surrogates, which SQLite refuses), its bytes in hex behind a prefix. path_from_text undoes it."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _FS_BYTES + os.fsencode(text).hex()
    return text


def path_from_text(text: str) -> Path:
    if text.startswith(_FS_BYTES):
        try:
            return Path(os.fsdecode(bytes.fromhex(text[len(_FS_BYTES):])))
        except ValueError:
            pass  # not ours after all: a name that happens to start so
    return Path(text)
