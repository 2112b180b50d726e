"""Export uses the kept take: after a sentence is regenerated (and again after switching back), the exported book
holds that take's clip, found in the cache, nothing generated; read back by FFmpeg's demuxer (PyAV)."""

from __future__ import annotations

import dataclasses

import av
import pytest

from reader_app.export.exporter import ExportRequest, export_audiobook
from reader_app.export.formats import ExportFormat
from reader_app.export.metadata import book_tags
from reader_app.narration.plan import NarrationPlan
from reader_app.narration.takes import TakeMaker
from reader_app.store import BookCache
from tests.support.audio import noise_clip
from tests.support.books import make_book
from tests.support.engines import TakeToneEngine, take_tone
from tests.support.narration import config


def _seconds(path) -> float:
    with av.open(str(path)) as container:
        return container.duration / 1_000_000


def test_export_uses_the_kept_take(tmp_path) -> None:
    book = make_book([[["First of one.", "Second of one."], ["A paragraph."]]], title="Takes")
    conf = config()
    with BookCache(tmp_path / "book.db") as cache:
        cache.sync_sentences(book)
        plan = NarrationPlan(book.sentences(), conf, cache.cached_digests)
        for i in range(book.sentence_count()):
            cache.put_clip(plan.key(i), noise_clip(2.0, seed=i))  # the original takes: 2 s each
        first = export_audiobook(book, cache, conf, ExportRequest(ExportFormat.FLAC, tmp_path / "a.flac"),
                                 book_tags(book, conf.voice))

        TakeMaker(book, cache, conf, lambda: TakeToneEngine()).make(1)  # take 1 of "Second of one."
        kept = dataclasses.replace(conf, studio=dataclasses.replace(conf.studio, takes=cache.takes.kept()))
        second = export_audiobook(book, cache, kept, ExportRequest(ExportFormat.FLAC, tmp_path / "b.flac"),
                                  book_tags(book, conf.voice))
        assert second.generated == 0 and second.reused == book.sentence_count()
        shorter = 2.0 - take_tone("Second of one.", 1).duration_s
        assert _seconds(tmp_path / "a.flac") - _seconds(tmp_path / "b.flac") == pytest.approx(shorter, abs=0.02)
        assert first.duration_s - second.duration_s == pytest.approx(shorter, abs=0.02)

        TakeMaker(book, cache, conf, None).keep(1, 0)  # back to the original
        back = dataclasses.replace(conf, studio=dataclasses.replace(conf.studio, takes=cache.takes.kept()))
        third = export_audiobook(book, cache, back, ExportRequest(ExportFormat.FLAC, tmp_path / "c.flac"),
                                 book_tags(book, conf.voice))
        assert third.duration_s == pytest.approx(first.duration_s, abs=0.001)
