"""The engine process: owns torch, qwen_tts and the model; serves synthesis jobs from the app over a pipe.

Started by reader_app.service.process_engine with multiprocessing's spawn method (the same on Linux, macOS and
Windows, and in a frozen build), so it begins as a fresh interpreter and imports only what it needs.
The main thread reads the pipe (jobs, clone prompts, cancels, shutdown); one worker thread runs the engine over a
continuous feed of every job's sentences (feed.py), so a cancel is seen while a job decodes. When the app goes away (its
end of the pipe closes), this process ends too.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from reader_app.service.feed import JobFeed, run_feed
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
from reader_app.tts.clone_prompt import PromptData, prompt_data
from reader_app.tts.engine import (
    AudioChunk,
    EngineError,
    FeedingSpeechEngine,
    SpeechEngine,
    StreamEvent,
    StreamingSpeechEngine,
)

log = logging.getLogger(__name__)


def child_main(conn: Connection, spec: EngineSpec) -> None:
    """Entry point of the engine process (a picklable top-level function, as spawn requires)."""
    os.dup2(2, 1)  # qwen_tts and transformers print to stdout; the app's stdout may be `play --json` output
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.INFO, format="%(levelname)s engine[%(process)d] %(name)s: %(message)s")
    try:
        engine = load_engine(spec)
    except Exception as exc:  # noqa: BLE001 - any load failure is told to the app in one line
        conn.send(LoadFailed(_one_line(exc)))
        conn.close()
        return
    conn.send(Ready(engine.model_id, dict(engine.settings), engine.sample_rate, getattr(engine, "kind", None),
                    tuple(getattr(engine, "speakers", ()) or ()), os.getpid()))
    JobServer(conn, engine).serve()
    os._exit(0)  # torch's own threads must not keep a finished engine process alive


def load_engine(spec: EngineSpec) -> SpeechEngine:
    from reader_app.narration.engine_provider import qwen_engine_provider

    return qwen_engine_provider(spec.model_path, spec.device, spec.dtype, spec.threads, engine=spec.engine,
                                **spec.options).get()


class JobServer:
    """Reads the pipe on the main thread; one worker thread runs the engine.

    An engine that takes a continuous feed (the fast engine) gets every job's first takes through one JobFeed,
    so all of them share its batch; other jobs (later takes, which sample alone, every job of an engine
    that cannot feed, and clone prompts) run one after another, between feed runs.
    """

    def __init__(self, conn: Connection, engine: SpeechEngine) -> None:
        self.conn = conn
        self.engine = engine
        self.feeding = isinstance(engine, FeedingSpeechEngine)
        self.feed = JobFeed(self._failed)
        self._send_lock = threading.Lock()
        self._solo: deque[Synthesize | MakeClonePrompt] = deque()
        self._cancelled: set[int] = set()  # solo jobs
        self._lock = threading.Lock()
        self._stopping = False

    def serve(self) -> None:
        worker = threading.Thread(target=self._work, name="engine-jobs", daemon=True)
        worker.start()
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):  # the app is gone
                break
            if isinstance(message, Synthesize):
                self._submit(message)
            elif isinstance(message, MakeClonePrompt):
                self._queue_solo(message)
            elif isinstance(message, Cancel):
                with self._lock:
                    self._cancelled.add(message.job)
                self.feed.cancel(message.job)
            elif isinstance(message, Shutdown):
                break
        with self._lock:
            self._stopping = True
        self.feed.held = True
        self.feed.wake()
        worker.join(timeout=5)

    def _submit(self, job: Synthesize) -> None:
        if self.feeding and all(request.take <= 0 for request in job.requests):
            self.feed.add(job.job, job.requests)
            return
        self._queue_solo(job)

    def _queue_solo(self, job: Synthesize | MakeClonePrompt) -> None:
        with self._lock:
            self._solo.append(job)
        self.feed.held = True  # the running batch drains, then this job runs alone
        self.feed.wake()

    def _send(self, message: Any) -> bool:
        try:
            with self._send_lock:
                self.conn.send(message)
            return True
        except (OSError, ValueError):  # the app closed the pipe
            return False

    def _failed(self, job: int, error: Exception) -> None:
        self._send(JobFailed(job, _one_line(error), user_error=isinstance(error, EngineError)))

    # -- the worker thread ---------------------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                solo = self._solo.popleft() if self._solo else None
                self.feed.held = bool(self._solo)
            if solo is not None:
                self._run_solo(solo)
            elif self.feed.has_waiting():
                self._run_feed()
            else:
                self.feed.wait(0.5)

    def _run_feed(self) -> None:
        engine = self.engine
        assert isinstance(engine, FeedingSpeechEngine)
        run_feed(engine, self.feed, lambda place, event: self._send(Chunk(place.job, event)),
                 lambda job: self._send(JobDone(job)), self._failed)

    def _is_cancelled(self, job: int) -> bool:
        with self._lock:
            return job in self._cancelled or self._stopping

    def _run_solo(self, job: Synthesize | MakeClonePrompt) -> None:
        reply: Any = JobDone(job.job)
        try:
            if isinstance(job, MakeClonePrompt):
                reply = PromptReady(job.job, self._clone_prompt(job))
            elif not self._is_cancelled(job.job):
                self._run(job)
        except EngineError as exc:
            self._failed(job.job, exc)
            return
        except Exception as exc:  # noqa: BLE001 - model code may raise anything: the app decides what to do
            log.exception("job %d failed", job.job)
            self._failed(job.job, RuntimeError(f"{type(exc).__name__}: {_one_line(exc)}"))
            return
        finally:
            with self._lock:
                self._cancelled.discard(job.job)
        self._send(reply)

    def _clone_prompt(self, job: MakeClonePrompt) -> PromptData:
        make = getattr(self.engine, "clone_prompt_for", None)
        if make is None:  # the fast engine: the studio starts its children with the stock one
            raise EngineError(f"The {self.engine.settings.get('engine', 'loaded')} engine cannot build voice "
                              "clones; the voice studio uses the stock engine.")
        return prompt_data(make(job.voice))  # numpy: the app side never unpickles a torch tensor

    def _run(self, job: Synthesize) -> None:
        engine = self.engine
        if isinstance(engine, StreamingSpeechEngine):
            stream = engine.synthesize_stream(list(job.requests))
            try:
                for event in stream:
                    if self._is_cancelled(job.job) or not self._send(Chunk(job.job, event)):
                        return
            finally:
                stream.close()  # stops the decoding loop at once
            return
        stop = _CancelFlag(lambda: self._is_cancelled(job.job))

        def whole_clip(index: int, clip: Any) -> None:  # an engine that does not stream: each clip in one chunk
            self._send(Chunk(job.job, StreamEvent(index, AudioChunk(clip.samples, clip.sample_rate, 0), True)))

        engine.synthesize(list(job.requests), cancel=stop, on_clip=whole_clip)  # type: ignore[arg-type]


class _CancelFlag:
    """The part of threading.Event a non-streaming engine reads (`is_set`), answered from the job's state."""

    def __init__(self, check: Any) -> None:
        self._check = check

    def is_set(self) -> bool:
        return bool(self._check())


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
