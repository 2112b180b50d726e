"""Reading JSON the app did not necessarily write (settings, voice manifests, prompt metadata), safely.

Every reader goes through here, so one hostile file cannot stop the app: the size is capped before anything is
read, nesting is capped (Python's parser raises RecursionError past ~1,000 levels; anything deeper than a few
levels is refused here, iteratively, whatever the parser allowed), the top-level type is checked, and every
failure is one JsonFileError (a ValueError) whose message is a single line naming the reason (no final
period: callers embed it).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

DEFAULT_MAX_BYTES = 1 << 20
DEFAULT_MAX_DEPTH = 16  # our files nest 3 levels at most (settings.extra.voice_studio_models.kind)


class JsonFileError(ValueError):
    """A JSON file or text that was refused; str(error) is one line saying why."""


def _depth(value: Any) -> int:
    """How deeply containers nest in value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {dict: "an object", list: "a list", str: "a string", bool: "true or false", int: "a number",
             float: "a number", type(None): "null"}
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def parse_json(text: str, *, expect: type | tuple[type, ...] = dict, max_depth: int = DEFAULT_MAX_DEPTH,
               what: str = "JSON") -> Any:
    """Parse text holding one value of the type(s) `expect`; JsonFileError otherwise."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonFileError(f"{what} is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and ints past Python's digit limit
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise JsonFileError(f"{what} is not valid JSON ({reason})") from None
    if _depth(value) > max_depth:
        raise JsonFileError(f"{what} is nested too deeply (more than {max_depth} levels)")
    kinds = expect if isinstance(expect, tuple) else (expect,)
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        raise JsonFileError(f"{what} must hold {_type_name(expect)}, not {_type_name(type(value))}")
    return value


def read_text_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The UTF-8 text of a small file the app reads (settings, manifests, lexicons), bounded. FileNotFoundError
    when it does not exist; JsonFileError (one line) when it is not a plain file, cannot be read, is larger than
    max_bytes, holds NUL bytes or is not UTF-8."""
    path = Path(path)
    what = path.name
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a folder, a FIFO (would block), a device
            raise JsonFileError(f"{what} is not a plain file")
        if info.st_size > max_bytes:
            raise JsonFileError(f"{what} is too large ({info.st_size:,} bytes; at most {max_bytes:,})")
        with open(path, "rb") as stream:
            data = stream.read(max_bytes + 1)  # the file may have grown since the stat
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise JsonFileError(f"{what} cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise JsonFileError(f"{what} is too large (more than {max_bytes:,} bytes)")
    if b"\x00" in data:
        raise JsonFileError(f"{what} is not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JsonFileError(f"{what} is not UTF-8 text") from None


def read_json_file(path: str | Path, *, expect: type | tuple[type, ...] = dict,
                   max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """The value in a JSON file, checked. FileNotFoundError when it does not exist (callers often take their
    defaults then); JsonFileError for anything else that is wrong with it: not a plain file, unreadable,
    larger than max_bytes, not UTF-8, not JSON, too deep, or not of the type(s) `expect`."""
    text = read_text_file(path, max_bytes=max_bytes)
    return parse_json(text, expect=expect, max_depth=max_depth, what=Path(path).name)


def write_json_file(path: str | Path, value: Any) -> None:
    """Write value as JSON atomically: a temporary file beside it, flushed to disk, then renamed over it, so a
    crash or a full disk leaves the old file or the new one, never half of one. OSError when it cannot."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as stream:
            json.dump(value, stream, indent=2, sort_keys=True)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
