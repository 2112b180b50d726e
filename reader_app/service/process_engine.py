"""The speech engine as a child process: the app's side of the pipe (reader_app/service/child.py the other).

ProcessEngine is a StreamingSpeechEngine like the engines it hosts, so the narrator, pregeneration, export and
the studio use it unchanged; the app process never imports torch. Requests go to the child, stream events come
back as they are decoded (the same float32 samples), and a job is cancelled by closing its stream or setting its
`cancel` event. Several threads may run jobs at once; the child runs them in order.

If the child dies (killed, out of memory, a crash in a native op), the jobs in flight fail with one line saying
so and the next job starts a new child: nothing the app holds (the cache, playback of cached audio) is touched.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import queue
import threading
import time
import weakref
from collections.abc import Generator, Sequence
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from reader_app.audio.clip import AudioClip
from reader_app.service.child import child_main
from reader_app.service.protocol import (
    Cancel,
    Chunk,
    EngineSpec,
    JobDone,
    JobFailed,
    LoadFailed,
    MakeClonePrompt,
    PromptReady,
    Ready,
    Shutdown,
    Synthesize,
)
from reader_app.tts.clone_prompt import PromptData
from reader_app.tts.engine import (
    SAMPLE_RATE,
    ClipCallback,
    EngineError,
    EngineGone,
    StreamEvent,
    SynthesisRequest,
    VoiceSpec,
)
from reader_app.tts.stream_clips import collect_clips

if TYPE_CHECKING:
    from reader_app.models.catalog import ModelInfo

log = logging.getLogger(__name__)

LOAD_TIMEOUT_S = 900.0  # a large checkpoint on a slow disk and CPU; a child that dies is noticed at once
_POLL_S = 0.2
_DIED = object()  # put on every waiting job's queue when the child goes away


class EngineProcessDied(EngineGone):
    """The engine process ended while a job ran (the next job starts a new one)."""


class _Child:
    """One started engine process, its pipe and the thread that hands each message to its job."""

    def __init__(self, spec: EngineSpec) -> None:
        context = multiprocessing.get_context("spawn")  # fork would copy the app's threads and Qt state
        self.conn, child_end = context.Pipe(duplex=True)
        self.process: BaseProcess = context.Process(target=child_main, args=(child_end, spec),
                                                    name="reader-app-engine", daemon=True)
        self.process.start()
        child_end.close()
        self.ready = self._wait_ready()
        self._send_lock = threading.Lock()
        self._jobs: dict[int, queue.Queue[Any]] = {}
        self._jobs_lock = threading.Lock()
        self.alive = True
        threading.Thread(target=self._receive, name="engine-pipe", daemon=True).start()

    def _wait_ready(self) -> Ready:
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if self.conn.poll(_POLL_S):
                    message = self.conn.recv()
                    if isinstance(message, Ready):
                        return message
                    if isinstance(message, LoadFailed):
                        raise EngineError(message.message)
            except (EOFError, OSError):
                break  # the child closed its end: it is exiting
            if not self.process.is_alive():
                break
        self.stop()
        raise EngineError(f"The speech engine process ended while loading the model ({self.exit_text()}).")

    def exit_text(self) -> str:
        self.process.join(timeout=1)
        code = self.process.exitcode
        if code is None:
            return "it did not answer"
        return f"killed by signal {-code}" if code < 0 else f"exit code {code}"

    def open_job(self, job: int) -> queue.Queue[Any]:
        events: queue.Queue[Any] = queue.Queue()
        with self._jobs_lock:
            if not self.alive:
                raise EngineProcessDied(self.died_message())
            self._jobs[job] = events
        return events

    def close_job(self, job: int) -> None:
        with self._jobs_lock:
            self._jobs.pop(job, None)

    def send(self, message: Any) -> None:
        try:
            with self._send_lock:
                self.conn.send(message)
        except (OSError, ValueError) as exc:
            raise EngineProcessDied(self.died_message()) from exc

    def died_message(self) -> str:
        return (f"The speech engine process stopped ({self.exit_text()}); it starts again for the next "
                "sentence, and cached audio keeps playing.")

    def _receive(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                break
            job = getattr(message, "job", None)
            with self._jobs_lock:
                events = self._jobs.get(job) if job is not None else None
            if events is not None:  # else a job already closed (cancelled): its late chunks are dropped
                events.put(message)
        with self._jobs_lock:
            self.alive = False
            waiting = list(self._jobs.values())
        for events in waiting:
            events.put(_DIED)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Asks the child to end, then makes it."""
        try:
            with getattr(self, "_send_lock", threading.Lock()):
                self.conn.send(Shutdown())
        except (OSError, ValueError):
            pass
        self.process.join(timeout_s)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout_s)
        self.conn.close()


class ProcessEngine:
    """A SpeechEngine whose model lives in a child process (started by start(), restarted on the next need)."""

    sample_rate = SAMPLE_RATE
    concurrent_jobs = True  # jobs are queued in the child by priority, batched together

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        self._child: _Child | None = None
        self._ready: Ready | None = None
        self._start_lock = threading.Lock()
        self._job_ids = itertools.count(1)
        self.starts = 0  # how many engine processes this engine has started (tests, diagnostics)
        self._info: ModelInfo | None = None
        self._finalizer: weakref.finalize | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def start(self) -> ProcessEngine:
        """Starts the engine process and waits until its model is loaded (raises EngineError if it cannot)."""
        self._live_child()
        return self

    def _live_child(self) -> _Child:
        with self._start_lock:
            child = self._child
            if child is not None and child.alive:
                return child
            if child is not None:
                log.warning("%s", child.died_message())
                child.stop(timeout_s=1)
            self._child = child = _Child(self.spec)
            self.starts += 1
            if self._ready is not None and child.ready.model_id != self._ready.model_id:
                log.warning("The restarted engine loaded a different model (%s)", child.ready.model_id)
            self._ready = child.ready
            if self._finalizer is not None:
                self._finalizer.detach()
            self._finalizer = weakref.finalize(self, child.stop)  # no engine process outlives its engine
            return child

    def close(self) -> None:
        with self._start_lock:
            if self._finalizer is not None:
                self._finalizer()  # child.stop, once
                self._finalizer = None
            self._child = None

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.process.pid if child is not None and child.alive else None

    # -- what the engine is ---------------------------------------------------------------------------------------
    @property
    def ready(self) -> Ready:
        if self._ready is None:
            self.start()
        assert self._ready is not None
        return self._ready

    @property
    def model_id(self) -> str:
        return self.ready.model_id

    @property
    def settings(self) -> dict:
        return dict(self.ready.settings)

    @property
    def kind(self) -> str | None:
        return self.ready.kind

    @property
    def speakers(self) -> list[str]:
        return list(self.ready.speakers)

    @property
    def info(self) -> ModelInfo:
        """The checkpoint's description, read from its folder here (config.json: no model, no torch)."""
        if self._info is None:
            from reader_app.models.catalog import inspect_model

            self._info = inspect_model(self.spec.model_path)
        return self._info

    # -- voice cloning -----------------------------------------------------------------------------------------
    def clone_prompt_for(self, voice: VoiceSpec) -> PromptData:
        """The clone prompt of voice.ref_audio (a file the child reads), computed by the child's engine, as numpy
        arrays (reader_app.tts.clone_prompt.save_clone_prompt stores it); EngineError saying why it cannot."""
        child = self._live_child()
        job = next(self._job_ids)
        events = child.open_job(job)
        try:
            child.send(MakeClonePrompt(job, voice))
            message = events.get()
            if message is _DIED:
                raise EngineProcessDied(child.died_message())
            if isinstance(message, PromptReady):
                return message.prompt
            if isinstance(message, JobFailed):
                raise _failure(message)
            raise RuntimeError(f"The engine process answered a clone prompt with {type(message).__name__}.")
        finally:
            child.close_job(job)

    # -- synthesis ---------------------------------------------------------------------------------------------
    def synthesize_stream(self, requests: Sequence[SynthesisRequest]) -> Generator[StreamEvent, None, None]:
        """Chunks of every request as the child decodes them; closing the generator cancels the job."""
        child = self._live_child()
        job = next(self._job_ids)
        events = child.open_job(job)
        finished = False
        try:
            child.send(Synthesize(job, tuple(requests)))
            while True:
                message = events.get()
                if message is _DIED:
                    raise EngineProcessDied(child.died_message())
                if isinstance(message, Chunk):
                    yield message.event
                elif isinstance(message, JobDone):
                    finished = True
                    return
                elif isinstance(message, JobFailed):
                    finished = True
                    raise _failure(message)
        finally:
            child.close_job(job)
            if not finished and child.alive:
                try:
                    child.send(Cancel(job))
                except EngineProcessDied:
                    pass

    def synthesize(self, requests: Sequence[SynthesisRequest], *, cancel: threading.Event | None = None,
                   on_clip: ClipCallback | None = None) -> list[AudioClip]:
        """Whole clips, assembled from the stream; `cancel` stops the job between chunks."""
        return collect_clips(self.synthesize_stream(requests), self.sample_rate, cancel, on_clip)


def _failure(message: JobFailed) -> Exception:
    """A job the child failed, as the app's error: EngineError for a clear, user-facing reason."""
    return EngineError(message.message) if message.user_error else RuntimeError(message.message)
