"""The sound card, through sounddevice (PortAudio), imported only when used."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from reader_app.audio.output import AudioOutput, AudioOutputError, FillCallback
from reader_app.audio.output_kind import OutputKind

if TYPE_CHECKING:
    import sounddevice  # no type hints of its own: for the annotations only

log = logging.getLogger(__name__)


def _import_sounddevice():
    try:
        import sounddevice
    except OSError as exc:  # PortAudio shared library missing
        raise AudioOutputError(
            "No audio output: the PortAudio library is missing "
            "(on Debian/Ubuntu: sudo apt-get install libportaudio2)."
        ) from exc
    return sounddevice


class SoundDeviceOutput(AudioOutput):
    def __init__(self, sample_rate: int = 24_000, block_frames: int = 1024, device: int | str | None = None) -> None:
        super().__init__(sample_rate, block_frames)
        self.device = device
        self._stream: sounddevice.OutputStream | None = None
        self._latency_s = 0.0
        self._stopping = False

    @property
    def latency_s(self) -> float:
        return self._latency_s

    def start(self, fill: FillCallback) -> None:
        if self._stream is not None:
            return
        sd = _import_sounddevice()

        def callback(outdata: np.ndarray, frames: int, _time, status) -> None:
            if status:
                log.debug("audio callback status: %s", status)
            fill(outdata[:, 0])

        def finished() -> None:
            # PortAudio ends the stream on its own when the device goes away (or the callback fails); a stop we
            # asked for is not a loss. The stream is not closed here: closing inside its own callback deadlocks.
            if not self._stopping and self._stream is not None:
                self._stream = None
                self.report_lost("The audio device stopped (unplugged or taken by another program).")

        self._stopping = False
        try:
            stream = sd.OutputStream(samplerate=self.sample_rate, blocksize=self.block_frames, channels=1,
                                     dtype="float32", callback=callback, device=self.device, latency="low",
                                     finished_callback=finished)
            stream.start()
        except Exception as exc:  # PortAudioError, or ValueError for a bad device
            raise AudioOutputError(f"Could not open the audio device: {exc}") from exc
        self._stream = stream
        self._latency_s = float(stream.latency or 0.0)

    def stop(self) -> None:
        self._stopping = True
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # the device may already be gone; nothing left to release
                log.debug("closing audio stream failed", exc_info=True)

    @property
    def active(self) -> bool:
        return self._stream is not None and bool(self._stream.active)


def open_output(kind: str = OutputKind.DEFAULT, sample_rate: int = 24_000) -> AudioOutput:
    """An output of `kind` (an OutputKind or its value)."""
    from reader_app.audio.output import NullOutput

    try:
        kind = OutputKind(kind)
    except ValueError:
        raise ValueError(f"unknown audio output {kind!r}: use default, sounddevice or null") from None
    if kind is OutputKind.NULL:
        return NullOutput(sample_rate)
    try:
        sd = _import_sounddevice()
        sd.query_devices(kind="output")
    except Exception as exc:
        if kind is OutputKind.SOUNDDEVICE:
            raise AudioOutputError(f"No audio output device: {exc}") from exc
        log.warning("No audio output device (%s); playing silently.", exc)
        return NullOutput(sample_rate)
    return SoundDeviceOutput(sample_rate)
