"""Audio output seam: something that repeatedly asks a fill callback for the next block of samples.

Implementations: the sound card through sounddevice, and a null output that consumes samples on a clock (for
tests, CI and machines without a sound device). The player never knows which one it feeds.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np

# fill(buffer) writes the next len(buffer) float32 mono samples in place.
FillCallback = Callable[[np.ndarray], None]


class AudioOutputError(RuntimeError):
    """No usable audio device (or it vanished); the message says what to do."""


class AudioOutput(ABC):
    silent = False  # True for outputs that only consume samples (no device): nothing is heard

    def __init__(self, sample_rate: int, block_frames: int) -> None:
        self.sample_rate = sample_rate
        self.block_frames = block_frames
        # Set by the player: called (from any thread) when the device disappears while running.
        self.on_lost: Callable[[str], None] | None = None

    def report_lost(self, message: str) -> None:
        """The device vanished (unplugged, driver error): the owner falls back to another output."""
        if self.on_lost is not None:
            self.on_lost(message)

    @property
    def latency_s(self) -> float:
        """Time between a sample leaving fill() and it being heard."""
        return 0.0

    @abstractmethod
    def start(self, fill: FillCallback) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @property
    @abstractmethod
    def active(self) -> bool: ...


class NullOutput(AudioOutput):
    """Consumes samples in real time (or as fast as possible) on a thread, discarding them.

    With record=True it keeps everything it consumed, so tests can check what a listener would have heard.
    """

    silent = True

    def __init__(self, sample_rate: int = 24_000, block_frames: int = 480, realtime: bool = True,
                 record: bool = False) -> None:
        super().__init__(sample_rate, block_frames)
        self.realtime = realtime
        self.record = record
        self.recorded: list[np.ndarray] = []
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self, fill: FillCallback) -> None:
        if self.active:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, args=(fill,), name="null-audio", daemon=True)
        self._thread.start()

    def _run(self, fill: FillCallback) -> None:
        block = np.zeros(self.block_frames, dtype=np.float32)
        block_s = self.block_frames / self.sample_rate
        deadline = time.monotonic()
        while not self._stopping.is_set():
            fill(block)
            if self.record:
                self.recorded.append(block.copy())
            if self.realtime:
                # Sleep to an absolute schedule so the clock does not drift with fill() cost.
                deadline += block_s
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._stopping.wait(delay)
                else:
                    deadline = time.monotonic()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._thread = None

    @property
    def active(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


class ManualOutput(AudioOutput):
    """Driven by the caller, block by block: a virtual clock for deterministic tests."""

    def __init__(self, sample_rate: int = 24_000, block_frames: int = 480) -> None:
        super().__init__(sample_rate, block_frames)
        self._fill: FillCallback | None = None
        self.recorded: list[np.ndarray] = []

    def start(self, fill: FillCallback) -> None:
        self._fill = fill

    def stop(self) -> None:
        self._fill = None

    @property
    def active(self) -> bool:
        return self._fill is not None

    def pump(self, seconds: float) -> np.ndarray:
        """Advance the virtual clock by `seconds`, returning what was 'heard'."""
        if self._fill is None:
            raise AudioOutputError("output not started")
        blocks = max(1, round(seconds * self.sample_rate / self.block_frames))
        out = []
        for _ in range(blocks):
            block = np.zeros(self.block_frames, dtype=np.float32)
            self._fill(block)
            out.append(block)
        heard = np.concatenate(out)
        self.recorded.append(heard)
        return heard
