"""The engine process: owns torch, qwen_tts and the model; serves synthesis jobs from the app over a pipe.

Started by reader_app.service.process_engine with multiprocessing's spawn method (the same on Linux, macOS and
Windows, and in a frozen build), so it begins as a fresh interpreter and imports only what it needs.
The main thread reads the pipe (jobs, cancels, shutdown); one worker thread runs the jobs in order, so a cancel
is seen while a job decodes. When the app goes away (its end of the pipe closes), this process ends too.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

from reader_app.service.protocol import (
    Cancel,
    Chunk,
    EngineSpec,
    JobDone,
    JobFailed,
    LoadFailed,
    Ready,
    Shutdown,
    Synthesize,
)
from reader_app.tts.engine import AudioChunk, EngineError, SpeechEngine, StreamEvent, StreamingSpeechEngine

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
    """Runs jobs one after another on a worker thread while the main thread keeps reading the pipe."""

    def __init__(self, conn: Connection, engine: SpeechEngine) -> None:
        self.conn = conn
        self.engine = engine
        self._send_lock = threading.Lock()
        self._jobs: queue.Queue[Synthesize | None] = queue.Queue()
        self._cancelled: set[int] = set()
        self._cancel_lock = threading.Lock()

    def serve(self) -> None:
        worker = threading.Thread(target=self._work, name="engine-jobs", daemon=True)
        worker.start()
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):  # the app is gone
                break
            if isinstance(message, Synthesize):
                self._jobs.put(message)
            elif isinstance(message, Cancel):
                with self._cancel_lock:
                    self._cancelled.add(message.job)
            elif isinstance(message, Shutdown):
                break
        with self._cancel_lock:
            self._cancelled.add(-1)  # every job: stop the one running at its next chunk
        self._jobs.put(None)
        worker.join(timeout=5)

    def _is_cancelled(self, job: int) -> bool:
        with self._cancel_lock:
            return job in self._cancelled or -1 in self._cancelled

    def _send(self, message: Any) -> bool:
        try:
            with self._send_lock:
                self.conn.send(message)
            return True
        except (OSError, ValueError):  # the app closed the pipe
            return False

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if not self._is_cancelled(job.job):
                    self._run(job)
            except EngineError as exc:
                self._send(JobFailed(job.job, _one_line(exc), user_error=True))
                continue
            except Exception as exc:  # noqa: BLE001 - model code may raise anything: the app decides what to do
                log.exception("job %d failed", job.job)
                self._send(JobFailed(job.job, f"{type(exc).__name__}: {_one_line(exc)}", user_error=False))
                continue
            finally:
                with self._cancel_lock:
                    self._cancelled.discard(job.job)
            self._send(JobDone(job.job))

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
