"""Gapless player: one continuous output stream fed from a queue of clips.

The output's audio thread calls fill(); everything else (enqueue, pause, clear) happens on other threads, so
the shared state sits behind one short lock. Clips follow each other sample-exactly; configured pauses are
silence appended at enqueue time, so they are exact too. Speed is applied at enqueue time (time stretch on the
caller's thread, never on the audio thread); positions are reported in source time. If the device disappears,
the player moves to a fallback output (a null output by default) and keeps its queue, so the position is kept.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

import numpy as np

from reader_app.audio.output import AudioOutput, AudioOutputError, NullOutput
from reader_app.audio.stretch import clamp_speed, time_stretch

# What the caller queues each piece of audio as; the player hands it back unchanged in its reports.
ItemId = TypeVar("ItemId")

MIN_VOLUME, MAX_VOLUME = 0.0, 2.0


def checked_volume(volume: float) -> float:
    """The volume if it is from 0 to 2, else ValueError (NaN would fill the output with noise)."""
    value = float(volume)
    if not (math.isfinite(value) and MIN_VOLUME <= value <= MAX_VOLUME):
        raise ValueError(f"volume must be a number from {MIN_VOLUME:g} to {MAX_VOLUME:g} (got {volume})")
    return value


class PlayerListener(Generic[ItemId]):
    """What the player reports. Every method is a no-op here: a listener subclasses this and overrides what it
    needs. Called outside the player's lock, so a listener may call back into the player."""

    def sentence_started(self, item_id: ItemId, delay_s: float) -> None:
        """Called from the audio thread when an item's first sample is handed to the output;
        it is heard delay_s later (output latency)."""

    def item_finished(self, item_id: ItemId) -> None:
        """All of an item's samples (and its pause) were handed to the output."""

    def starved(self) -> None:
        """Playing, but nothing is queued: the listener hears silence until more arrives."""

    def output_lost(self, message: str) -> None:
        """The device vanished (or could not be opened) and the fallback output took over."""

    def output_restored(self, message: str) -> None:
        """A device was found again on play() and playback moved back onto it."""


class _Event(StrEnum):
    STARTED = "started"
    FINISHED = "finished"


@dataclass
class _Item(Generic[ItemId]):
    item_id: ItemId
    samples: np.ndarray
    voiced_frames: int  # samples before the appended pause (after stretching)
    source_start: int = 0  # where this item starts in its sentence, in source samples (streamed chunks)
    ratio: float = 1.0  # source samples per played sample (the speed it was stretched for)
    pos: int = 0


class Player(Generic[ItemId]):
    def __init__(self, output: AudioOutput, listener: PlayerListener[ItemId] | None = None,
                 fallback: Callable[[], AudioOutput] | None = None,
                 reopen: Callable[[], AudioOutput] | None = None) -> None:
        self.output = output
        self.listener: PlayerListener[ItemId] = listener if listener is not None else PlayerListener()
        self.fallback = fallback or (lambda: NullOutput(output.sample_rate, output.block_frames))
        # After a device loss, each play() asks `reopen` for a device again (plugged back in, freed by
        # another program); the queue and position carry over.
        self.reopen = reopen
        self._on_fallback = output.silent  # started without a device: look for one on play() too
        output.on_lost = self._output_lost
        self._lock = threading.Lock()
        self._queue: deque[_Item[ItemId]] = deque()
        self._playing = False
        self._volume = 1.0
        self._starved_reported = False
        self.frames_played = 0  # voiced + pause samples handed out while playing
        # Gaps: silence the listener hears while playing because the next clip was not queued in time.
        self._gap_frames = 0
        self.max_gap_frames = 0
        self.gap_count = 0

    # -- control (any thread) -------------------------------------------------------------------------
    def enqueue(self, item_id: ItemId, samples: np.ndarray, pause_after_s: float = 0.0, *, speed: float = 1.0,
                source_start: int = 0) -> None:
        """Queue samples (source time) to play at `speed`, then pause_after_s of silence (not stretched: the
        configured pauses are what the listener hears)."""
        source_len = len(samples)
        speed = clamp_speed(speed)
        played = time_stretch(samples, speed) if speed != 1.0 else samples.astype(np.float32, copy=False)
        pause = np.zeros(int(round(pause_after_s * self.output.sample_rate)), dtype=np.float32)
        data = np.concatenate([played, pause]) if len(pause) else played
        ratio = source_len / len(played) if len(played) else 1.0
        with self._lock:
            self._queue.append(_Item(item_id, np.ascontiguousarray(data, dtype=np.float32), len(played),
                                     source_start, ratio))
            self._starved_reported = False

    def drop_unstarted(self, keep: Callable[[ItemId], bool] = lambda item_id: False) -> list[ItemId]:
        """Remove queued items not begun yet, from the end back to the first one `keep` wants or that has
        started (so order is kept); returns their ids in order. Used to re-queue them at a new speed."""
        dropped: list[ItemId] = []
        with self._lock:
            while self._queue and self._queue[-1].pos == 0 and not keep(self._queue[-1].item_id):
                dropped.append(self._queue.pop().item_id)
        return dropped[::-1]

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._gap_frames = 0  # silence after a seek is the seek's latency, not a gap in the stream

    def _end_gap(self) -> None:
        self.gap_count += 1
        self.max_gap_frames = max(self.max_gap_frames, self._gap_frames)
        self._gap_frames = 0

    @property
    def max_gap_s(self) -> float:
        return self.max_gap_frames / self.output.sample_rate

    def play(self) -> None:
        with self._lock:
            self._playing = True
            self._starved_reported = False
        if self._on_fallback and self.reopen is not None:
            self._try_reopen(self.reopen)
        if not self.output.active:
            try:
                self.output.start(self.fill)
            except AudioOutputError as exc:  # no device (any more): keep going silently, and say so
                self._output_lost(str(exc))

    def _try_reopen(self, reopen: Callable[[], AudioOutput]) -> None:
        try:
            device = reopen()
        except (AudioOutputError, ValueError, OSError):
            return  # still no device: stay on the fallback, already reported
        if device.silent:
            return
        old = self.output
        old.on_lost = None
        old.stop()  # one output at a time calls fill()
        try:
            device.on_lost = self._output_lost
            device.start(self.fill)
        except AudioOutputError:
            device.on_lost = None
            old.on_lost = self._output_lost
            old.start(self.fill)
            return
        self.output, self._on_fallback = device, False
        self.listener.output_restored("Sound is back: playing on the audio device again.")

    def _output_lost(self, message: str) -> None:
        self._on_fallback = True
        old, self.output = self.output, self.fallback()
        old.on_lost = None
        self.output.on_lost = self._output_lost
        if self._playing:
            self.output.start(self.fill)
        self.listener.output_lost(f"{message} Playback continues without sound.")

    def pause(self) -> None:
        with self._lock:
            self._playing = False

    def close(self) -> None:
        self.pause()
        self.output.stop()

    def set_volume(self, volume: float) -> None:
        """0 (silent) to 2; a volume outside that, or not a finite number, is refused (ValueError)."""
        value = checked_volume(volume)
        with self._lock:
            self._volume = value

    @property
    def volume(self) -> float:
        return self._volume

    def queued_ids(self) -> list[ItemId]:
        with self._lock:
            return [item.item_id for item in self._queue]

    def queued_seconds(self) -> float:
        """Audio not yet handed to the output: how far ahead playback is covered."""
        with self._lock:
            frames = sum(len(item.samples) - item.pos for item in self._queue)
        return frames / self.output.sample_rate

    def current(self) -> tuple[ItemId, float] | None:
        """(item id, seconds into it) of the item being played, in source time (whatever the speed)."""
        with self._lock:
            if not self._queue:
                return None
            item = self._queue[0]
            source = item.source_start + min(item.pos, item.voiced_frames) * item.ratio
            return item.item_id, source / self.output.sample_rate

    # -- audio thread ----------------------------------------------------------------------------------
    def fill(self, out: np.ndarray) -> None:
        events: list[tuple[_Event, ItemId, float]] = []
        starved = False
        with self._lock:
            written = 0
            if self._playing:
                while written < len(out) and self._queue:
                    item = self._queue[0]
                    if item.pos == 0:
                        if self._gap_frames:
                            self._end_gap()
                        delay = written / self.output.sample_rate + self.output.latency_s
                        events.append((_Event.STARTED, item.item_id, delay))
                    take = min(len(out) - written, len(item.samples) - item.pos)
                    out[written:written + take] = item.samples[item.pos:item.pos + take]
                    item.pos += take
                    written += take
                    if item.pos >= len(item.samples):
                        self._queue.popleft()
                        events.append((_Event.FINISHED, item.item_id, 0.0))
                self.frames_played += written
                if written < len(out):
                    if self.frames_played:  # silence before the very first clip is latency, not a gap
                        self._gap_frames += len(out) - written
                    if not self._starved_reported:
                        self._starved_reported = starved = True
                elif self._gap_frames:
                    self._end_gap()
                if self._volume != 1.0:
                    out[:written] *= self._volume
            out[written:] = 0.0
        listener = self.listener
        # Callbacks run outside the lock so a listener may call back into the player.
        for kind, item_id, delay in events:
            if kind is _Event.STARTED:
                listener.sentence_started(item_id, delay)
            else:
                listener.item_finished(item_id)
        if starved:
            listener.starved()
