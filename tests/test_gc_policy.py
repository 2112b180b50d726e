"""Long-lived objects (the loaded model, the open book) are kept off full garbage-collector passes."""

from __future__ import annotations

import gc

import pytest

from reader_app import gc_policy


@pytest.fixture(autouse=True)
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # later tests start from a normal collector


def _tracked(obj) -> bool:
    """True while a collection can still walk obj (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


class _Marker:
    pass


def test_freeze_moves_live_objects_out_of_the_collectors_reach():
    keep = [_Marker() for _ in range(100)]
    assert _tracked(keep)
    frozen = gc_policy.freeze_long_lived()
    assert frozen >= 100 and gc.get_freeze_count() >= 100
    assert not _tracked(keep) and not any(_tracked(m) for m in keep[:3])
    later = _Marker()  # what comes after is collected as usual
    assert _tracked(later)


def test_engine_provider_freezes_after_loading_the_model():
    from reader_app.narration.engine_provider import EngineProvider

    engine = _Marker()
    provider = EngineProvider(lambda: engine)
    assert _tracked(engine)
    assert provider.get() is engine
    assert not _tracked(engine)


def test_book_loader_freezes_the_parsed_book(qtbot):
    from reader_app.resources import sample_book_path
    from reader_app.ui.book_loader import BookLoader

    loader = BookLoader()
    with qtbot.waitSignal(loader.loaded, timeout=30_000) as signal:
        loader.load(sample_book_path())
    book = signal.args[0]
    assert book.sentence_count() > 100
    assert not _tracked(book) and not _tracked(book.chapters[0])
    loader.shutdown()
