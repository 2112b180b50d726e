"""Export a book's narration to audiobook files: missing audio generated first, cached audio reused as it is.

The same path as listening: clip keys and pauses from the NarrationPlan, generation by the Pregenerator (so what
an export generates is cached for listening, and what listening cached is never generated again), clips decoded
one at a time from the book's cache and streamed to the encoder.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from reader_app.books.model import Book
from reader_app.export.formats import SPECS, ExportFormat
from reader_app.export.tags import BookTags, ChapterMark, write_tags
from reader_app.export.timeline import ExportChapter, Timeline, build_timeline, without_trailing_pauses
from reader_app.export.writer import AudioFileWriter, ExportError
from reader_app.narration.config import EngineProvider, NarrationConfig
from reader_app.narration.pregen import Pregenerator, PregenProgress
from reader_app.store.book_cache import BookCache
from reader_app.tts.engine import SAMPLE_RATE


class ExportCancelled(ExportError):
    """The user cancelled; nothing partial was left behind (generated clips stay cached)."""


class ExportPhase(StrEnum):
    GENERATING = "generating"  # sentences without audio yet
    ENCODING = "encoding"


@dataclass
class ExportProgress:
    phase: ExportPhase
    done: float  # sentences (generating) or seconds of audio (encoding)
    total: float
    elapsed_s: float

    @property
    def eta_s(self) -> float | None:
        if self.done <= 0 or self.total <= 0:
            return None
        return self.elapsed_s / self.done * max(0.0, self.total - self.done)


@dataclass(frozen=True)
class ExportRequest:
    format: ExportFormat
    output: Path  # the file; the folder of the files with per_chapter
    chapters: Sequence[int] | None = None  # 0-based, in reading order; None: the whole book
    per_chapter: bool = False
    bitrate: int | None = None  # None: the format's default


@dataclass
class ExportSummary:
    output: Path
    files: list[Path]
    chapters: int
    duration_s: float
    generated: int  # clips generated for this export
    reused: int  # clips found in the cache
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"output": str(self.output), "files": [str(f) for f in self.files], "chapters": self.chapters,
                "duration_s": round(self.duration_s, 3), "generated": self.generated, "reused": self.reused,
                "notes": self.notes}


ProgressCallback = Callable[[ExportProgress], None]


def export_audiobook(book: Book, cache: BookCache, config: NarrationConfig, request: ExportRequest, tags: BookTags,
                     engine_provider: EngineProvider | None = None, progress: ProgressCallback | None = None,
                     cancel: threading.Event | None = None) -> ExportSummary:
    cancel = cancel or threading.Event()
    chapters = list(request.chapters) if request.chapters is not None else list(range(len(book.chapters)))
    timeline = build_timeline(book, cache, config, chapters)
    if not timeline.chapters:
        raise ExportError(f"Nothing to export: chapters {_describe(chapters)} hold no text.")
    keys = timeline.keys()
    digests = {k.digest for k in keys}
    reused = len(cache.cached_digests(keys))
    generated = 0
    if reused < len(digests):
        generated = _generate_missing(book, cache, config, [c.index for c in timeline.chapters], len(digests) - reused,
                                      engine_provider, progress, cancel)
    durations = cache.clip_durations(keys)
    missing = digests - durations.keys()
    if missing:
        raise ExportError(f"{len(missing)} sentence(s) could not be generated; the export needs audio for every "
                          "sentence (see the log, or try again)")
    total_s = sum(durations[s.key.digest] + s.pause_s for c in timeline.chapters for s in c.segments)
    encoder = _Encoder(cache, total_s, progress, cancel)
    notes = [] if tags.cover is None or _cover_ok(tags) else ["The book's cover is not JPEG or PNG: not embedded."]
    if request.per_chapter:
        files = encoder.per_chapter(timeline, request, tags)
    else:
        files = [encoder.one_file(timeline, request, tags)]
    return ExportSummary(request.output, files, len(timeline.chapters), encoder.seconds_written, generated, reused,
                         notes)


def default_output(book: Book, fmt: ExportFormat, per_chapter: bool, folder: Path) -> Path:
    name = safe_file_name(book.title) or "audiobook"
    return folder / name if per_chapter else folder / f"{name}{SPECS[fmt].extension}"


def safe_file_name(text: str) -> str:
    """A file name every file system takes: no separators, no reserved characters, at most 120 characters."""
    cleaned = re.sub(r'[\x00-\x1f<>:"/\\|?*]+', " ", text)
    return re.sub(r"\s+", " ", cleaned).strip(" .")[:120]


def _describe(chapters: Sequence[int]) -> str:
    return f"{chapters[0] + 1}-{chapters[-1] + 1}" if chapters else "(none)"


def _cover_ok(tags: BookTags) -> bool:
    from reader_app.export.tags import embeddable_cover

    return embeddable_cover(tags.cover, tags.cover_mime) is not None


def _generate_missing(book: Book, cache: BookCache, config: NarrationConfig, chapters: list[int], missing: int,
                      engine_provider: EngineProvider | None, progress: ProgressCallback | None,
                      cancel: threading.Event) -> int:
    if engine_provider is None:
        raise ExportError(f"{missing} sentence(s) have no audio yet and no voice model is configured: choose a "
                          "model (--model DIR, READER_APP_MODEL or Settings) to generate them")
    started = time.monotonic()

    def report(p: PregenProgress) -> None:
        if progress is not None:
            progress(ExportProgress(ExportPhase.GENERATING, p.done, p.total, time.monotonic() - started))

    result = Pregenerator(book, cache, config, engine_provider, cancel).run(chapters, progress=report)
    if cancel.is_set():
        raise ExportCancelled("Export cancelled (the audio generated so far stays cached).")
    return result.generated


class _Encoder:
    """Streams a timeline's clips, with their pauses, through AudioFileWriters; reports progress in seconds."""

    def __init__(self, cache: BookCache, total_s: float, progress: ProgressCallback | None,
                 cancel: threading.Event) -> None:
        self.cache, self.total_s, self.progress, self.cancel = cache, total_s, progress, cancel
        self.seconds_written = 0.0
        self._started = time.monotonic()

    def one_file(self, timeline: Timeline, request: ExportRequest, tags: BookTags) -> Path:
        spec = SPECS[request.format]
        marks: list[ChapterMark] = []
        with AudioFileWriter(request.output, spec, SAMPLE_RATE, _bitrate(request), _container_tags(tags)) as out:
            bounds = []
            for chapter in timeline.chapters:
                start = out.samples_written
                self._write(out, chapter)
                bounds.append((start, out.samples_written, chapter.title))
            marks = [ChapterMark(s / SAMPLE_RATE, e / SAMPLE_RATE, t) for s, e, t in bounds]
            out.set_chapters(bounds)  # the MP4 muxer stores them; the others get theirs as tags below
            path = out.finish()
        self._tag(path, request.format, tags, marks)
        return path

    def per_chapter(self, timeline: Timeline, request: ExportRequest, tags: BookTags) -> list[Path]:
        spec = SPECS[request.format]
        written: list[Path] = []
        total = len(timeline.chapters)
        try:
            for n, chapter in enumerate(timeline.chapters, start=1):
                name = f"{n:0{max(2, len(str(total)))}d} - {safe_file_name(chapter.title) or 'Chapter'}"
                path = request.output / f"{name}{spec.extension}"
                track_tags = BookTags(**{**tags.__dict__, "track": (n, total), "track_title": chapter.title})
                with AudioFileWriter(path, spec, SAMPLE_RATE, _bitrate(request), _container_tags(track_tags)) as out:
                    self._write(out, without_trailing_pauses(chapter))
                    path = out.finish()
                written.append(path)
                self._tag(path, request.format, track_tags, [])
        except BaseException:
            for path in written:  # no half-exported book: this run's files go with it
                path.unlink(missing_ok=True)
            raise
        return written

    def _write(self, out: AudioFileWriter, chapter: ExportChapter) -> None:
        for segment in chapter.segments:
            if self.cancel.is_set():
                raise ExportCancelled("Export cancelled: no partial file was kept.")
            clip = self.cache.get_clip(segment.key)
            if clip is None:
                raise ExportError(f"The audio of sentence {segment.sentence_index + 1} vanished from the cache "
                                  "during the export (damaged or evicted): export again to regenerate it")
            if clip.sample_rate != SAMPLE_RATE:
                raise ExportError(f"A cached clip is at {clip.sample_rate} Hz, not {SAMPLE_RATE}: clear this book's "
                                  "audio cache and export again")
            out.write(clip.samples)
            out.silence(segment.pause_s)
            self.seconds_written += clip.duration_s + segment.pause_s
            if self.progress is not None:
                self.progress(ExportProgress(ExportPhase.ENCODING, self.seconds_written, self.total_s,
                                             time.monotonic() - self._started))

    @staticmethod
    def _tag(path: Path, fmt: ExportFormat, tags: BookTags, marks: list[ChapterMark]) -> None:
        try:
            write_tags(path, fmt, tags, marks)
        except Exception as exc:  # noqa: BLE001 - mutagen raises its own, OSError and struct errors: one message
            path.unlink(missing_ok=True)
            raise ExportError(f"Could not write the tags of {path}: {exc}") from exc


def _bitrate(request: ExportRequest) -> int | None:
    spec = SPECS[request.format]
    if spec.default_bitrate is None:
        return None  # lossless: a bitrate means nothing
    return request.bitrate or spec.default_bitrate


def _container_tags(tags: BookTags) -> dict[str, str]:
    """What the muxer writes itself (mutagen completes it): title and artist, so even an untagged copy says
    what it is."""
    out = {"title": tags.track_title or tags.title, "album": tags.title}
    if tags.authors:
        out["artist"] = ", ".join(tags.authors)
    return out
