"""Microphone seam: something that delivers blocks of mono float32 samples to a callback until stopped.

Implementations: the sound card's input through sounddevice (imported only when used), and FakeMicrophone,
which plays back a given array on a thread (tests, machines without a microphone). A Recorder gathers the
blocks, keeps a level for a meter and stops itself at the maximum length. Qt-free: the GUI polls
Recorder.level and Recorder.seconds from a timer, so no callback ever touches a widget.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import sounddevice  # no type hints of its own: for the annotations only

BlockCallback = Callable[[np.ndarray], None]
MIN_SECONDS = 3.0
MAX_SECONDS = 30.0


class MicrophoneError(RuntimeError):
    """No usable microphone; the message says what to do."""


class Microphone(ABC):
    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate

    @abstractmethod
    def start(self, on_block: BlockCallback) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @property
    @abstractmethod
    def active(self) -> bool: ...


class FakeMicrophone(Microphone):
    """Delivers `samples` block by block (in real time, or as fast as possible), then silence-free stops."""

    def __init__(self, samples: np.ndarray, sample_rate: int = 24_000, block_frames: int = 1200,
                 realtime: bool = False) -> None:
        super().__init__(sample_rate)
        self.samples = np.asarray(samples, dtype=np.float32)
        self.block_frames = block_frames
        self.realtime = realtime
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self, on_block: BlockCallback) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, args=(on_block,), name="fake-mic", daemon=True)
        self._thread.start()

    def _run(self, on_block: BlockCallback) -> None:
        for start in range(0, self.samples.shape[0], self.block_frames):
            if self._stopping.is_set():
                return
            on_block(self.samples[start:start + self.block_frames].copy())
            if self.realtime:
                time.sleep(self.block_frames / self.sample_rate)
            else:
                time.sleep(0.001)  # let the GUI thread see intermediate levels

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)

    @property
    def active(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


class SoundDeviceMicrophone(Microphone):
    def __init__(self, sample_rate: int = 24_000, device: int | str | None = None) -> None:
        super().__init__(sample_rate)
        self.device = device
        self._stream: sounddevice.InputStream | None = None

    def start(self, on_block: BlockCallback) -> None:
        sd = _import_sounddevice()

        def callback(indata: np.ndarray, frames: int, _time, status) -> None:
            on_block(indata.mean(axis=1).astype(np.float32) if indata.ndim == 2 else indata.copy())

        try:
            stream = sd.InputStream(samplerate=self.sample_rate, channels=1, dtype="float32",
                                    device=self.device, callback=callback)
            stream.start()
        except Exception as exc:  # PortAudioError and friends: no device, busy device, bad rate
            raise MicrophoneError(f"Cannot open the microphone: {exc}") from exc
        self._stream = stream

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # noqa: BLE001 - the device may be gone already
                pass

    @property
    def active(self) -> bool:
        return self._stream is not None and bool(self._stream.active)


def _import_sounddevice():
    try:
        import sounddevice
    except OSError as exc:
        raise MicrophoneError("No microphone support: the PortAudio library is missing "
                              "(on Debian/Ubuntu: sudo apt-get install libportaudio2).") from exc
    return sounddevice


def open_microphone(sample_rate: int = 24_000) -> Microphone:
    """The default input device, or MicrophoneError saying why there is none."""
    sd = _import_sounddevice()
    try:
        sd.query_devices(kind="input")
    except Exception as exc:  # PortAudioError, or ValueError when there is no input device
        raise MicrophoneError(f"No microphone found ({exc}). Choose a recording file instead.") from exc
    return SoundDeviceMicrophone(sample_rate)


class Recorder:
    """Collects a recording from a Microphone; thread-safe level/seconds for a meter; stops at max_seconds."""

    def __init__(self, microphone: Microphone, max_seconds: float = MAX_SECONDS,
                 on_finished: Callable[[], None] | None = None) -> None:
        self.microphone = microphone
        self.max_seconds = max_seconds
        self.on_finished = on_finished
        self._blocks: list[np.ndarray] = []
        self._frames = 0
        self._lock = threading.Lock()
        self.level = 0.0  # peak of the latest block, 0..1
        self.level_db = -90.0
        self.peak = 0.0  # loudest sample so far: 0 means the microphone gave only silence
        self.recording = False

    @property
    def sample_rate(self) -> int:
        return self.microphone.sample_rate

    @property
    def seconds(self) -> float:
        return self._frames / float(self.sample_rate)

    def start(self) -> None:
        with self._lock:
            self._blocks, self._frames = [], 0
        self.peak = 0.0
        self.recording = True
        self.microphone.start(self._on_block)

    def _on_block(self, block: np.ndarray) -> None:
        if not self.recording:
            return
        limit = int(self.max_seconds * self.sample_rate)
        with self._lock:
            block = block[: max(0, limit - self._frames)]
            self._blocks.append(block)
            self._frames += block.size
            full = self._frames >= limit
        peak = float(np.abs(block).max()) if block.size else 0.0
        self.level = min(1.0, peak)
        self.peak = max(self.peak, self.level)
        self.level_db = 20 * float(np.log10(max(peak, 1e-5)))
        if full:
            self.recording = False
            threading.Thread(target=self._finish, daemon=True).start()  # never stop a stream from its callback

    def _finish(self) -> None:
        self.microphone.stop()
        if self.on_finished is not None:
            self.on_finished()

    def stop(self) -> np.ndarray:
        self.recording = False
        self.microphone.stop()
        return self.samples()

    def samples(self) -> np.ndarray:
        with self._lock:
            return np.concatenate(self._blocks) if self._blocks else np.zeros(0, dtype=np.float32)
