"""Continuous batching: many sentences share the per-frame step; a finished slot takes the next sentence.

The batcher owns the host side of decoding: which sentence sits in which slot, its frame budget, stop checks
(EOS, budget, degenerate loops, external stops such as the silence guard) and pulling frames back to the host.
On CUDA it pulls every `sync_every` frames (the device never waits for the host in between); frames a slot
produced after its stop point in that window are dropped.

Off CUDA a step's cost grows with its rows, so there each step decodes only slots 0..n-1, n one past the
highest occupied slot (refills take the lowest free slot): no compute for empty slots while the batch fills
up, nor once its highest slots are done. On CUDA every step is full width (graphs are captured at fixed shapes).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from reader_app.tts.engine import StopReason
from reader_app.tts.fast.guard import LoopDetector
from reader_app.tts.fast.prompts import Prompt
from reader_app.tts.fast.step import FrameStepper


@dataclass
class Job:
    index: int
    prompt: Prompt
    budget: int  # most frames this sentence may take
    loop: LoopDetector
    frames: int = 0
    pos: int = 0  # host mirror of the slot's talker cache position
    stop: StopReason | None = None


@dataclass
class FrameEvent:
    """New frames of one sentence; `done` is set (with the reason) on its last event."""

    index: int
    frames: np.ndarray  # (k, 16) int64, k may be 0 on a final event
    done: StopReason | None = None
    info: dict = field(default_factory=dict)


def _bucket(n: int, size: int) -> int:
    return -(-n // size) * size


class ContinuousBatcher:
    def __init__(self, stepper: FrameStepper, sync_every: int = 1,
                 step_runner: Callable[..., None] | None = None, kv_bucket: int = 1,
                 admit_per_window: int = 2, narrow: bool | None = None, solo_frames: int = 0) -> None:
        self.stepper = stepper
        # narrow: pass `rows` (1 + highest occupied slot) to each step; the runner must then take
        # (kv_len, rows) as FrameStepper.step does. Default: everywhere but CUDA.
        self.narrow = stepper.device.type != "cuda" if narrow is None else narrow
        # Prefill is as costly as several steps, so a batch starts with its first sentence alone (its audio
        # starts soonest) and the others join a few per window instead of all before the first frame.
        self.admit_per_window = max(1, admit_per_window)
        # The first sentence decodes this many frames alone (its first audio chunk), so the others' prefill
        # does not delay the audio that playback may be waiting for; with narrowing, solo steps are cheap.
        self.solo_frames = max(0, solo_frames)
        self.sync_every = max(1, sync_every)
        self.kv_bucket = max(1, kv_bucket)
        self.run_step = step_runner or stepper.step
        self.eos_id = stepper.parts.eos_id
        self._jobs: dict[int, Job] = {}  # index -> job in flight
        self._stop_requests: dict[int, StopReason] = {}

    def stop(self, index: int, reason: StopReason) -> None:
        """Ask to end sentence `index` (takes effect at the next sync)."""
        self._stop_requests[index] = reason

    def run(self, jobs: Iterable[Job], more: Callable[[int], list[Job]] | None = None,
            stops: Callable[[], Iterable[int]] | None = None) -> Iterator[FrameEvent]:
        """Decodes `jobs`, then, while `more` is given, whatever it hands over (up to the number of free slots
        asked, when slots free up): the continuous feed. `stops` names sentences to end at the next window
        (cancelled); the run ends when nothing is in flight and nothing more comes."""
        pending = deque(jobs)
        st = self.stepper
        slots: list[Job | None] = [None] * st.batch
        k = self.sync_every
        ring = torch.zeros(k, st.batch, st.parts.num_groups, dtype=torch.long, device=st.device)
        ring0 = torch.zeros(k, st.batch, dtype=torch.long, device=st.device)
        lead: Job | None = None
        while True:
            if stops is not None:
                flying = {j.index for j in slots if j is not None}
                for index in stops():
                    if index in flying:
                        self.stop(index, StopReason.CANCELLED)
            if more is not None and slots.count(None) > len(pending):
                pending.extend(more(slots.count(None) - len(pending)))
            if not pending and not any(slots):
                break
            free = [i for i, j in enumerate(slots) if j is None]
            admit: list[tuple[int, Job]] = []
            limit = 1 if not any(slots) else self.admit_per_window
            if lead is not None and lead.stop is None and lead.frames < self.solo_frames:
                limit = 0
            while free and pending and len(admit) < limit:
                job = pending.popleft()
                slot = free.pop(0)
                slots[slot] = job
                job.pos = job.prompt.embeds.shape[0]
                admit.append((slot, job))
            if admit:
                lead = lead or admit[0][1]
                st.prefill([s for s, _ in admit], [j.prompt for _, j in admit])
            active = [j for j in slots if j is not None]
            need = max(j.pos for j in active) + k
            st.ensure_capacity(_bucket(need, self.kv_bucket), 1)
            kv_len = min(_bucket(need, self.kv_bucket), st.max_len)
            rows = 1 + max(s for s, j in enumerate(slots) if j is not None)  # slots past it are empty
            for i in range(k):
                if self.narrow:
                    self.run_step(kv_len, rows)  # ring rows >= `rows` stay stale: their slots are empty
                else:
                    self.run_step(kv_len)
                ring[i].copy_(st.frame)
                ring0[i].copy_(st.code0)
            frames_h = ring.cpu().numpy()  # the one host sync per window
            next_h = ring0.cpu().numpy()
            for slot, held in enumerate(slots):
                if held is None:
                    continue
                job = held
                take = self._accept(job, frames_h[:, slot], next_h[:, slot])
                job.pos += k
                yield FrameEvent(job.index, frames_h[:take, slot].copy(), job.stop)
                if job.stop is not None:
                    slots[slot] = None
                    st.release(slot)
                    self._stop_requests.pop(job.index, None)

    def _accept(self, job: Job, frames: np.ndarray, next_tokens: np.ndarray) -> int:
        """How many of this window's frames belong to the sentence; sets job.stop when it ends."""
        if job.index in self._stop_requests:
            job.stop = self._stop_requests[job.index]
            return 0
        for i in range(len(frames)):
            job.frames += 1
            if job.loop.push(frames[i]):
                job.stop = StopReason.LOOP
            elif next_tokens[i] == self.eos_id:
                job.stop = StopReason.EOS
            elif job.frames >= job.budget:
                job.stop = StopReason.BUDGET
            if job.stop is not None:
                return i + 1
        return len(frames)
