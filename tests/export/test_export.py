"""Audiobook export, read back by independent readers: mutagen for tags, chapters and cover, FFmpeg's demuxers
(PyAV) for the playing duration, which honours encoder delay and padding as players do."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import av
import mutagen
import pytest

from reader_app.export.exporter import ExportCancelled, ExportRequest, export_audiobook
from reader_app.export.formats import ExportFormat
from reader_app.export.metadata import book_tags
from reader_app.export.writer import ExportError
from reader_app.resources import resource_path
from reader_app.store import BookCache
from reader_app.tts.engine import VoiceSpec
from tests.support.audio import noise_clip
from tests.support.books import make_book
from tests.support.engines import ToneEngine
from tests.support.narration import config

PNG = resource_path("icons", "app.png").read_bytes()
TITLES = ("The Beginning", "A Middle", "The End")


@pytest.fixture
def book():
    book = make_book([[["First of one.", "Second of one."], ["A paragraph."]],
                      [["Only sentence of two."]],
                      [["Three starts.", "Three goes on."], ["Three ends."]]], title="Export Test")
    chapters = tuple(dataclasses.replace(c, title=t) for c, t in zip(book.chapters, TITLES, strict=True))
    metadata = dataclasses.replace(book.metadata, authors=("Ann Author",), cover_image=PNG,
                                   cover_media_type="image/png", year="1865")
    return dataclasses.replace(book, chapters=chapters, metadata=metadata, sentence_by_id={})


@pytest.fixture
def cache(book, tmp_path):
    cache = BookCache(tmp_path / "book.db")
    cache.sync_sentences(book)
    yield cache
    cache.close()


def fill(cache, book, conf, skip=()):
    """A clip for every sentence (lengths 1.0, 1.3, 1.6 ... s) except the indices in `skip`."""
    from reader_app.narration.plan import NarrationPlan

    plan = NarrationPlan(book.sentences(), conf, cache.cached_digests)
    lengths = {}
    for i in range(book.sentence_count()):
        lengths[i] = 1.0 + 0.3 * i
        if i not in skip:
            cache.put_clip(plan.key(i), noise_clip(lengths[i], seed=i))
    return lengths


def expected(book, conf, lengths):
    """Chapter starts and the total, from the clip lengths and the narrator's pauses."""
    from reader_app.narration.plan import NarrationPlan

    plan = NarrationPlan(book.sentences(), conf, lambda keys: set())
    starts, t, n = [], 0.0, book.sentence_count()
    index = 0
    for chapter in book.chapters:
        starts.append(t)
        for _ in chapter.sentences:
            t += lengths[index] + (plan.pause_after(index) if index < n - 1 else 0.0)
            index += 1
    return starts, t


def playing_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        return container.duration / 1_000_000


def read_chapters(path: Path, fmt: ExportFormat) -> list[tuple[float, str]]:
    """Chapters as mutagen reads them from each format's own convention."""
    audio = mutagen.File(path)
    if fmt is ExportFormat.M4B:
        return [(c.start, c.title) for c in audio.chapters]
    if fmt is ExportFormat.MP3:
        frames = sorted(audio.tags.getall("CHAP"), key=lambda f: f.start_time)
        return [(f.start_time / 1000, str(f.sub_frames["TIT2"])) for f in frames]
    tags = audio.tags
    out = []
    for i in range(1, 100):
        stamp = tags.get(f"CHAPTER{i:03d}")
        if not stamp:
            break
        h, m, s = stamp[0].split(":")
        out.append((int(h) * 3600 + int(m) * 60 + float(s), tags[f"CHAPTER{i:03d}NAME"][0]))
    return out


def tag_values(path: Path, fmt: ExportFormat) -> dict[str, str]:
    tags = mutagen.File(path).tags
    if fmt is ExportFormat.M4B:
        return {"title": tags["©alb"][0], "author": tags["©ART"][0], "narrator": tags["©nrt"][0],
                "year": tags["©day"][0], "language": tags["----:com.apple.iTunes:LANGUAGE"][0].decode(),
                "cover": bool(tags.get("covr"))}
    if fmt is ExportFormat.MP3:
        return {"title": str(tags["TALB"]), "author": str(tags["TPE1"]), "narrator": str(tags["TCOM"]),
                "year": str(tags["TDRC"]), "language": str(tags["TLAN"]), "cover": bool(tags.getall("APIC"))}
    picture = mutagen.File(path).pictures if fmt is ExportFormat.FLAC else tags.get("METADATA_BLOCK_PICTURE")
    return {"title": tags["ALBUM"][0], "author": tags["ARTIST"][0], "narrator": tags["NARRATOR"][0],
            "year": tags["DATE"][0], "language": tags["LANGUAGE"][0], "cover": bool(picture)}


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_one_file_with_chapters_tags_and_cover(fmt, book, cache, tmp_path):
    conf = config(voice=VoiceSpec(speaker="ryan"))
    lengths = fill(cache, book, conf)
    out = tmp_path / f"book{'.m4b' if fmt is ExportFormat.M4B else '.' + fmt}"
    summary = export_audiobook(book, cache, conf, ExportRequest(fmt, out), book_tags(book, conf.voice))
    starts, total = expected(book, conf, lengths)
    assert summary.files == [out] and summary.chapters == 3 and summary.generated == 0 and summary.reused == 7
    assert summary.duration_s == pytest.approx(total, rel=1e-6)
    assert playing_seconds(out) == pytest.approx(total, rel=0.001)  # within 0.1 %
    chapters = read_chapters(out, fmt)
    assert [title for _, title in chapters] == list(TITLES)
    for (start, _), want in zip(chapters, starts, strict=True):
        assert abs(start - want) < 0.05  # chapter marks within 50 ms of the chapter's first sentence
    assert tag_values(out, fmt) == {"title": "Export Test", "author": "Ann Author", "narrator": "Ryan",
                                    "year": "1865", "language": "en", "cover": True}
    assert not list(tmp_path.glob("*.part"))


def test_mp3_per_chapter_files_play_in_order(book, cache, tmp_path):
    conf = config(voice=VoiceSpec(speaker="ryan"))
    lengths = fill(cache, book, conf)
    folder = tmp_path / "chapters"
    summary = export_audiobook(book, cache, conf, ExportRequest(ExportFormat.MP3, folder, per_chapter=True),
                               book_tags(book, conf.voice, "Ryan the Narrator"))
    assert [p.name for p in summary.files] == ["01 - The Beginning.mp3", "02 - A Middle.mp3", "03 - The End.mp3"]
    assert sorted(folder.iterdir()) == summary.files  # file order is play order
    for n, path in enumerate(summary.files, start=1):
        tags = mutagen.File(path).tags
        assert str(tags["TRCK"]) == f"{n}/3" and str(tags["TIT2"]) == TITLES[n - 1]
        assert str(tags["TALB"]) == "Export Test" and str(tags["TCOM"]) == "Ryan the Narrator"
    # Each file holds its chapter's sentences and inner pauses, nothing after its last sentence.
    _, total = expected(book, conf, lengths)
    chapter_pauses = conf.pause_chapter_s * 2
    assert sum(playing_seconds(p) for p in summary.files) == pytest.approx(total - chapter_pauses, rel=0.001)


def test_missing_audio_is_generated_through_the_narration_path_and_cached(book, cache, tmp_path):
    conf = config(voice=VoiceSpec(speaker="ryan"))
    fill(cache, book, conf, skip={1, 4})
    engine = ToneEngine()
    summary = export_audiobook(book, cache, conf, ExportRequest(ExportFormat.FLAC, tmp_path / "b.flac"),
                               book_tags(book, conf.voice), engine_provider=lambda: engine)
    assert summary.generated == 2 and summary.reused == 5
    assert sorted(engine.synthesized_texts()) == sorted([book.sentences()[1].text, book.sentences()[4].text])
    again = export_audiobook(book, cache, conf, ExportRequest(ExportFormat.FLAC, tmp_path / "c.flac"),
                             book_tags(book, conf.voice), engine_provider=lambda: engine)
    assert again.generated == 0 and again.reused == 7  # the generated clips were cached


def test_chapter_range(book, cache, tmp_path):
    conf = config(voice=VoiceSpec(speaker="ryan"))
    fill(cache, book, conf)
    summary = export_audiobook(book, cache, conf, ExportRequest(ExportFormat.M4B, tmp_path / "b.m4b", chapters=[1, 2]),
                               book_tags(book, conf.voice))
    assert summary.chapters == 2 and summary.reused == 4
    assert [t for _, t in read_chapters(tmp_path / "b.m4b", ExportFormat.M4B)] == ["A Middle", "The End"]


def test_no_audio_and_no_model_says_what_to_do(book, cache, tmp_path):
    conf = config(voice=VoiceSpec(speaker="ryan"))
    with pytest.raises(ExportError, match="no voice model is configured") as info:
        export_audiobook(book, cache, conf, ExportRequest(ExportFormat.M4B, tmp_path / "b.m4b"),
                         book_tags(book, conf.voice))
    assert "\n" not in str(info.value)
    assert not list(tmp_path.glob("b.m4b*"))


def test_cancel_leaves_no_partial_file_and_keeps_the_cache(book, cache, tmp_path):
    conf = config(voice=VoiceSpec(speaker="ryan"))
    fill(cache, book, conf)
    cancel = threading.Event()

    def progress(p):
        if p.done > 3:
            cancel.set()

    with pytest.raises(ExportCancelled):
        export_audiobook(book, cache, conf, ExportRequest(ExportFormat.M4B, tmp_path / "b.m4b"),
                         book_tags(book, conf.voice), progress=progress, cancel=cancel)
    assert not list(tmp_path.glob("b.m4b*"))
    assert cache.stats().clips == 7

    folder = tmp_path / "chapters"
    cancel.clear()
    with pytest.raises(ExportCancelled):
        export_audiobook(book, cache, conf, ExportRequest(ExportFormat.MP3, folder, per_chapter=True),
                         book_tags(book, conf.voice), progress=progress, cancel=cancel)
    assert not [p for p in folder.iterdir() if p.is_file()]  # no half-exported book either


def test_unwritable_output_is_one_clear_line(book, cache, tmp_path):
    conf = config(voice=VoiceSpec(speaker="ryan"))
    fill(cache, book, conf)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(ExportError) as info:
        export_audiobook(book, cache, conf, ExportRequest(ExportFormat.M4B, blocker / "b.m4b"),
                         book_tags(book, conf.voice))
    assert "Cannot write" in str(info.value) and "\n" not in str(info.value)


def test_full_disk_mid_export_removes_the_partial_file_and_keeps_the_cache(tmp_path):
    import subprocess
    import sys

    from tests.support import export_child
    from tests.support.export_book import export_book, fill_cache

    book = export_book()
    db = tmp_path / "cache" / "book.db"
    db.parent.mkdir()
    with BookCache(db) as cache:
        cache.sync_sentences(book)
        fill_cache(cache, book)  # 60 s of audio: about 3 MB of FLAC
    out = tmp_path / "out" / "book.flac"
    run = subprocess.run([sys.executable, export_child.__file__, str(db), str(out), str(1_000_000)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("ERROR Disk full"), run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists() and not list(out.parent.glob("*.part"))
    with BookCache(db) as cache:  # the cache is untouched and complete
        assert cache.integrity_check() == [] and cache.stats().clips == book.sentence_count()
