"""A ZIP reader for untrusted EPUBs: bounded decompression, no traversal names, no encrypted members.

Nothing is ever extracted to disk; members are read into memory by name, each read checked against the
limits. Python's zipfile never returns more than a member's declared size (a lying header fails its CRC),
so checking declared sizes bounds the memory a zip bomb can take.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from .errors import BookError
from .limits import (
    MAX_COMPRESSION_RATIO,
    MAX_ENTRY_BYTES,
    MAX_TOTAL_READ_BYTES,
    MAX_ZIP_ENTRIES,
    RATIO_CHECK_MIN_BYTES,
)

_CHUNK = 256 * 1024


class SafeZip:
    def __init__(self, source: bytes | Path) -> None:
        """``source``: the archive's bytes, or its path (read from disk member by member, never whole)."""
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
            infos = self._zip.infolist()
        except Exception as exc:  # noqa: BLE001 - zipfile raises many types (NotImplementedError for odd versions...)
            raise BookError(f"This EPUB is damaged: it is not a readable ZIP archive ({exc}).") from None
        if len(infos) > MAX_ZIP_ENTRIES:
            raise BookError(f"This EPUB has too many files inside ({len(infos)}) to be a book.")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self.rejected: dict[str, str] = {}  # member name -> why it will not be read
        for info in infos:
            reason = _reject_reason(info)
            if reason:
                self.rejected[info.filename] = reason
            elif info.filename not in self._infos:  # duplicate names: the first one wins
                self._infos[info.filename] = info
        self._lower = {name.lower(): name for name in self._infos}
        self._read_total = 0

    def names(self) -> list[str]:
        return list(self._infos)

    def resolve(self, name: str) -> str | None:
        """The member's real name: exact, else case-insensitive (some EPUBs are sloppy about case)."""
        if name in self._infos:
            return name
        return self._lower.get(name.lower())

    def __contains__(self, name: str) -> bool:
        return self.resolve(name) is not None

    def size(self, name: str) -> int:
        """The member's declared size. KeyError if absent or refused."""
        real = self.resolve(name)
        if real is None:
            raise KeyError(name)
        return self._infos[real].file_size

    def why_unreadable(self, name: str) -> str:
        """Why ``name`` cannot be read: "missing from the archive", or the reason it was refused."""
        reason = self.rejected.get(name)
        if reason is None:
            lower = name.lower()
            reason = next((why for member, why in self.rejected.items() if member.lower() == lower), None)
        return f"was refused ({reason})" if reason else "is missing from the archive"

    def read(self, name: str) -> bytes:
        """Read one member. KeyError if absent or refused; BookError if the book as a whole is too big."""
        real = self.resolve(name)
        if real is None:
            raise KeyError(name)
        info = self._infos[real]
        self._read_total += info.file_size
        if self._read_total > MAX_TOTAL_READ_BYTES:
            limit = MAX_TOTAL_READ_BYTES // 2**20
            raise BookError(f"This EPUB is too large to read safely (its text unpacks to over {limit} MB).")
        try:
            return self._read_bounded(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
            # A damaged or unsupported member: treat it as missing, the rest of the book may be fine.
            self.rejected[real] = f"unreadable ({exc})"
            raise KeyError(name) from None

    def _read_bounded(self, info: zipfile.ZipInfo) -> bytes:
        # ZipFile.read() inflates a member in one call with no output cap, so a member whose header lies
        # about its size would still be inflated whole. Small reads keep each inflate step bounded; the
        # stream stops at the declared size and a lie then fails the CRC check (BadZipFile).
        chunks: list[bytes] = []
        with self._zip.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._zip.close()


def _reject_reason(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
        return "unsafe path"
    if info.flag_bits & 0x1:
        return "encrypted"
    if info.file_size > MAX_ENTRY_BYTES:
        return f"too large: {info.file_size // 2**20} MB unpacked, at most {MAX_ENTRY_BYTES // 2**20} MB"
    if info.file_size > RATIO_CHECK_MIN_BYTES and info.file_size > max(info.compress_size, 1) * MAX_COMPRESSION_RATIO:
        return "suspicious compression ratio (zip bomb)"
    return None
