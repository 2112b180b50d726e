"""Runs slow calls (model checks, downloads, engine loading) off the GUI thread; results come back as signals.

A Job's signals are emitted from its worker thread and reach GUI slots through queued connections, so the
callbacks always run on the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class Job(QObject):
    done = Signal(object)  # the call's result
    failed = Signal(object)  # the exception
    progress = Signal(object, object)  # whatever the call reports (e.g. bytes done, bytes total)

    def __init__(self, fn: Callable[..., Any], parent: QObject | None = None, with_progress: bool = False,
                 name: str = "ui-job") -> None:
        super().__init__(parent)
        self._fn = fn
        self._with_progress = with_progress
        self.cancel_event = threading.Event()
        self._worker = threading.Thread(target=self._run, name=name, daemon=True)  # QObject.thread() is Qt's

    def start(self) -> Job:
        self._worker.start()
        return self

    def cancel(self) -> None:
        self.cancel_event.set()

    def running(self) -> bool:
        return self._worker.is_alive()

    def _run(self) -> None:
        try:
            result = self._fn(self._report) if self._with_progress else self._fn()
        except BaseException as exc:  # noqa: BLE001 - every failure is shown to the user
            self.failed.emit(exc)
        else:
            self.done.emit(result)

    def _report(self, a: object, b: object = None) -> None:
        self.progress.emit(a, b)


def run_job(parent: QObject, fn: Callable[..., Any], on_done: Callable[[Any], None] | None = None,
            on_failed: Callable[[BaseException], None] | None = None, name: str = "ui-job") -> Job:
    job = Job(fn, parent, name=name)
    if on_done is not None:
        job.done.connect(on_done)
    if on_failed is not None:
        job.failed.connect(on_failed)
    return job.start()
