"""Streaming audio encoder: mono float32 blocks in, one audiobook file out (PyAV: FFmpeg's encoders and muxers).

Nothing is held but the block being encoded, so a ten-hour book costs no more memory than a sentence. The file is
written as `<name>.part` beside its destination and renamed over it only when complete: a cancelled or failed
export leaves no partial file behind.
"""

from __future__ import annotations

import errno
import os
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Self

import av
import numpy as np

from reader_app.export.formats import FormatSpec

_BLOCK = 4096  # samples per frame handed to the encoder


class ExportError(RuntimeError):
    """A clear, user-facing export failure (full disk, unwritable folder, nothing to export, ...)."""


def describe_os_error(exc: Exception, path: Path) -> str:
    """One line for a failed write: FFmpeg's errors carry the errno its write saw, as OSError does."""
    code = getattr(exc, "errno", None)
    reason = getattr(exc, "strerror", None) or str(exc)
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"Disk full: could not write {path} ({reason})"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot write {path}: permission denied or read-only folder"
    return f"Cannot write {path}: {reason}"


class AudioFileWriter:
    """Encode mono float32 samples at `sample_rate` into `path` as `spec` says; chapters as (start, end, title)
    in input samples (the MP4 muxer stores them; other formats get theirs as tags afterwards)."""

    def __init__(self, path: Path, spec: FormatSpec, sample_rate: int, bitrate: int | None,
                 metadata: dict[str, str]) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.sample_rate = sample_rate
        self.samples_written = 0
        out_rate = spec.sample_rate or sample_rate
        try:
            self.part.parent.mkdir(parents=True, exist_ok=True)
            self._container = av.open(str(self.part), "w", format=spec.container)
        except (OSError, av.FFmpegError) as exc:
            raise ExportError(describe_os_error(exc, self.part)) from exc
        stream = self._container.add_stream(spec.codec, rate=out_rate, layout="mono", options=dict(spec.options))
        assert isinstance(stream, av.AudioStream)
        self._stream: av.AudioStream = stream
        if bitrate is not None:
            self._stream.bit_rate = bitrate
        for key, value in metadata.items():
            self._container.metadata[key] = value
        self._resampler = av.AudioResampler(format=spec.sample_format, layout="mono", rate=out_rate)
        self._closed = False

    def write(self, samples: np.ndarray) -> None:
        samples = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
        for start in range(0, len(samples), _BLOCK):
            block = samples[start:start + _BLOCK]
            frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = self.sample_rate
            frame.pts = self.samples_written
            self.samples_written += len(block)
            self._encode(self._resampler.resample(frame))

    def silence(self, seconds: float) -> None:
        if seconds > 0:
            self.write(np.zeros(round(seconds * self.sample_rate), np.float32))

    def set_chapters(self, chapters: list[tuple[int, int, str]]) -> None:
        self._container.set_chapters([
            {"id": i + 1, "start": start, "end": end, "time_base": Fraction(1, self.sample_rate),
             "metadata": {"title": title}} for i, (start, end, title) in enumerate(chapters)])

    def finish(self) -> Path:
        """Flush the encoder, close the file and move it into place."""
        self._encode(self._resampler.resample(None))
        self._encode(None)
        self._close()
        try:
            os.replace(self.part, self.path)
        except OSError as exc:
            self.abort()
            raise ExportError(describe_os_error(exc, self.path)) from exc
        return self.path

    def abort(self) -> None:
        """Stop and remove what was written (safe to call at any point, also twice)."""
        try:
            self._close()
        except ExportError:
            pass  # the file goes anyway
        self.part.unlink(missing_ok=True)

    def _encode(self, frames: list[av.AudioFrame] | None) -> None:
        try:
            for frame in frames if frames is not None else [None]:
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
        except (OSError, av.FFmpegError) as exc:
            raise ExportError(describe_os_error(exc, self.part)) from exc

    def _close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._container.close()
            except (OSError, av.FFmpegError) as exc:
                raise ExportError(describe_os_error(exc, self.part)) from exc

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is not None:
            self.abort()
