"""Garbage collection happens on the GUI thread only, never in a worker that happens to allocate."""

from __future__ import annotations

import gc
import threading

import pytest

from reader_app.ui import main_thread_gc
from reader_app.ui.main_thread_gc import MainThreadCollector, due_generation


class Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collections():
    """The thread ident of every collection that starts while the test runs."""
    seen: list[int] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(threading.get_ident())

    gc.callbacks.append(record)
    yield seen
    gc.callbacks.remove(record)
    gc.disable()  # the test session's own setting (tests/conftest.py)


def test_a_worker_allocating_garbage_never_collects_and_the_gui_thread_does(qtbot, collections):
    gc.enable()  # as CPython starts: without the collector, the worker below would collect itself
    collector = MainThreadCollector(interval_ms=10)
    assert not gc.isenabled()

    def allocate() -> None:
        for _ in range(50_000):
            Cycle()

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert worker.ident not in collections
    qtbot.waitUntil(lambda: threading.get_ident() in collections, timeout=5000)
    assert set(collections) == {threading.get_ident()}
    collector.stop()
    assert gc.isenabled()


def test_a_collection_is_due_by_cpythons_own_counters(qtbot, collections):
    gc.collect()
    collections.clear()
    assert due_generation() is None
    keep = [Cycle() for _ in range(gc.get_threshold()[0] + 10)]
    assert due_generation() == 0
    assert MainThreadCollector(interval_ms=60_000).collect_if_due() == 0
    assert collections == [threading.get_ident()]
    assert due_generation() is None
    del keep


def test_install_is_once_per_application(qapp):
    first = main_thread_gc.install(qapp)
    assert main_thread_gc.install(qapp) is first
    assert first.parent() is qapp
    assert not gc.isenabled()
