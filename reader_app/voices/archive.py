"""Sharing a voice as one file: a zip (.voice) holding voice.json, ref.flac or ref.wav, prompt.safetensors.

Import trusts nothing: the entry count and the central directory's size are read from the end record before
the directory itself (a million-entry archive is refused at once), only those exact member names are accepted
(so no pickle, no .pt, no paths, no traversal), symlinks and encrypted members are refused, sizes and
compression ratios are bounded before and while reading, and each member is parsed by a safe reader (bounded
JSON, libsndfile decoding every frame, safetensors with every prompt field checked) before the voice is added.
Members are written by us, under fixed names, into a fresh folder - never extracted by name.
"""

from __future__ import annotations

import io
import json
import stat
import struct
import zipfile
from pathlib import Path

from reader_app.voices import files as vf

SUFFIX = ".voice"
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 3
MAX_RATIO = 200  # uncompressed/compressed; real voice files compress 1-3x, JSON a little more
LIMITS = {vf.META_FILE: vf.MAX_META_BYTES, "ref.flac": 16 << 20, "ref.wav": 32 << 20, vf.PROMPT_FILE: 8 << 20}
MAX_TOTAL_BYTES = vf.MAX_META_BYTES + (32 << 20) + (8 << 20)  # what the three members may declare together
MAX_DIRECTORY_BYTES = 64 * 1024  # a central directory of a few entries is a few hundred bytes
MAX_REF_SECONDS = 60
_CHUNK = 256 * 1024
_END_RECORD = struct.Struct("<4s4H2LH")  # signature, disks, entries here, entries, directory size/offset, comment


class VoiceArchiveError(vf.VoiceFileError):
    """A voice file that was refused; the message names the reason."""


def write_archive(folder: Path, dest: Path) -> Path:
    """Write the voice in folder to dest (a .voice suffix is added when missing)."""
    if dest.suffix.lower() != SUFFIX:
        dest = dest.with_name(dest.name + SUFFIX)
    meta = vf.read_meta(folder)
    members = [vf.META_FILE]
    ref = vf.ref_file(folder)
    if ref is not None:
        members.append(ref.name)
    if (folder / vf.PROMPT_FILE).is_file():
        members.append(vf.PROMPT_FILE)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in members:
            data = (folder / name).read_bytes() if name != vf.META_FILE else \
                json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8")
            zf.writestr(name, data)
    tmp.replace(dest)
    return dest


def _reject(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    if info.flag_bits & 0x1:
        return "is encrypted"
    if name not in LIMITS:
        if name.startswith("/") or ".." in name.replace("\\", "/").split("/") or "/" in name or "\\" in name:
            return "has a path outside the voice (path traversal)"
        lowered = name.lower()
        if lowered.endswith((".pt", ".pth", ".pkl", ".pickle", ".bin", ".ckpt", ".npy", ".npz")):
            return "is a pickle/tensor format that could run code; only safetensors is accepted"
        return "is not part of a voice (allowed: voice.json, ref.flac or ref.wav, prompt.safetensors)"
    if info.file_size > LIMITS[name]:
        return f"is too large ({info.file_size} bytes; at most {LIMITS[name]})"
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1 << 20:
        return "is compressed suspiciously well (a zip bomb?)"
    return None


def _read_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read in small steps and stop past the limit: a header that lies about the size cannot inflate forever."""
    limit, out, total = LIMITS[info.filename], io.BytesIO(), 0
    with zf.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            total += len(chunk)
            if total > limit:
                raise VoiceArchiveError(f"{info.filename} is larger than it claims (refused).")
            out.write(chunk)
    return out.getvalue()


def _directory_size(file: Path) -> tuple[int, int]:
    """(entries, central directory bytes) from the zip's end record, reading only the file's last 64 KB."""
    with open(file, "rb") as stream:
        size = stream.seek(0, 2)
        stream.seek(max(0, size - _END_RECORD.size - 0xFFFF))
        tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END_RECORD.size:
        raise VoiceArchiveError(f"{file.name} is not a voice file (not a readable zip: no end record).")
    _, _, _, _, entries, directory, _, _ = _END_RECORD.unpack_from(tail, at)
    return entries, directory


def _check_audio(path: Path) -> None:
    """A short FLAC/WAV recording, decoded to its last frame (a truncated file is refused, not kept)."""
    import soundfile as sf

    from reader_app.voices.recording import VoiceInputError, decode_audio_file

    try:
        info = sf.info(str(path))
    except Exception as exc:  # noqa: BLE001 - libsndfile raises several types for bad files
        raise VoiceArchiveError(f"{path.name} in the voice file is not readable audio ({exc}).") from None
    expected = "FLAC" if path.suffix == ".flac" else "WAV"
    if info.format not in (expected, "WAVEX") or info.frames <= 0 or info.frames > MAX_REF_SECONDS * info.samplerate:
        raise VoiceArchiveError(f"{path.name} in the voice file is not a short {expected} recording.")
    try:
        decode_audio_file(path, keep_seconds=MAX_REF_SECONDS)
    except VoiceInputError as exc:
        raise VoiceArchiveError(f"The voice file's recording: {exc}") from None


def read_archive(file: Path, dest: Path) -> dict:
    """Validate a .voice file and write its members into the empty folder dest; returns voice.json."""
    if not file.is_file():
        raise VoiceArchiveError(f"{file} does not exist.")
    if file.stat().st_size > MAX_ARCHIVE_BYTES:
        raise VoiceArchiveError(f"{file.name} is too large to be a voice ({file.stat().st_size >> 20} MB).")
    entries, directory = _directory_size(file)  # before zipfile parses a directory of any size
    if entries > MAX_MEMBERS + 1 or directory > MAX_DIRECTORY_BYTES:
        counted = f"at least {entries:,}" if entries == 0xFFFF else f"{entries:,}"  # 0xFFFF: a zip64 archive
        raise VoiceArchiveError(f"{file.name} lists {counted} entries in {directory:,} bytes; a voice file has "
                                f"at most {MAX_MEMBERS}. Refused.")
    try:
        zf = zipfile.ZipFile(file)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise VoiceArchiveError(f"{file.name} is not a voice file (not a readable zip: {exc}).") from None
    with zf:
        if len(infos) > MAX_MEMBERS + 1 or len({i.filename for i in infos}) != len(infos):
            raise VoiceArchiveError(f"{file.name} has unexpected or duplicate members; refused.")
        if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise VoiceArchiveError(f"{file.name} declares more data than a voice holds; refused.")
        for info in infos:
            reason = _reject(info)
            if reason:
                raise VoiceArchiveError(f"Refused {file.name}: {info.filename!r} {reason}.")
        names = {i.filename for i in infos}
        if vf.META_FILE not in names:
            raise VoiceArchiveError(f"{file.name} has no voice.json; it is not a voice file.")
        if {"ref.flac", "ref.wav"} <= names:
            raise VoiceArchiveError(f"{file.name} holds two reference recordings; refused.")
        try:
            for info in infos:
                (dest / info.filename).write_bytes(_read_bounded(zf, info))
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise VoiceArchiveError(f"{file.name} is damaged ({exc}).") from None
    meta = vf.read_meta(dest)
    ref = vf.ref_file(dest)
    if ref is not None:
        _check_audio(ref)
    prompt = dest / vf.PROMPT_FILE
    if meta["kind"] == "clone":
        if not prompt.is_file() and ref is None:
            raise VoiceArchiveError(f"{file.name}: a cloned voice needs its prompt or its recording.")
        if prompt.is_file():
            shape = vf.check_prompt_file(prompt)  # every field: types, shapes, code range, length, finite
            hidden = (meta.get("model") or {}).get("hidden_size")
            if hidden is not None and hidden != shape["hidden_size"]:
                raise VoiceArchiveError(f"{file.name}: the prompt does not match its description (hidden size "
                                        f"{shape['hidden_size']}, voice.json says {hidden}).")
    elif prompt.is_file():
        vf.check_prompt_file(prompt)
    return meta
