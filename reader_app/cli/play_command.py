"""Headless listening and background generation from the command line.

`reader-app play BOOK [--model DIR] [--voice V] [--from CHAPTER:SENTENCE] [--output default|null] [--json]`
`reader-app pregen BOOK --model DIR [--voice V] [--chapters A-B]`
Chapters and sentences are numbered from 1 here, as a listener counts them. With --json, play reports per
sentence when its audio was requested from the engine, ready (generated, or decoded from the cache and queued)
and started (heard), in ms since play was asked for; then first_audio_ms (play -> first sentence heard) and
max_gap_ms (the longest silence beyond the configured pauses, measured by the player).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reader_app import gc_policy
from reader_app.audio.output_kind import OutputKind
from reader_app.books.options import CodeListings
from reader_app.cli.engine_args import engine_options, model_options, remote_provider
from reader_app.cli.errors import UsageError, require_file, say, stdout_closed
from reader_app.narration.config import (
    SPEED_MAX,
    SPEED_MIN,
    SPEED_RANGE_TEXT,
    NarrationListener,
    NarrationState,
    check_speed,
)
from reader_app.narration.engine_provider import settings_engine_options
from reader_app.tts.fast.config import audio_affecting
from reader_app.tts.remote.provider import remote_model_info

if TYPE_CHECKING:
    from reader_app.models.catalog import ModelInfo


def register(subparsers: argparse._SubParsersAction) -> None:
    play = subparsers.add_parser("play", help="listen to a book without the window")
    play.add_argument("book", type=Path)
    model_options(play)
    play.add_argument("--from", dest="start", default="1:1", metavar="CHAPTER:SENTENCE",
                      help="where to start (numbered from 1; default 1:1)")
    play.add_argument("--output", choices=[OutputKind.DEFAULT, OutputKind.NULL], default=OutputKind.DEFAULT,
                      help="the sound card (default) or a silent output that consumes audio in real time")
    play.add_argument("--sentences", type=_count, default=0, help="stop after this many sentences (0: to the end)")
    play.add_argument("--speed", action=_SpeedAction, default=None,
                      help=f"{SPEED_MIN:g} to {SPEED_MAX:g} (default: settings)")
    play.add_argument("--json", action="store_true", help="report timings per sentence as JSON")
    play.add_argument("--code-listings", type=CodeListings, choices=list(CodeListings), default=None,
                      help="program listings in an EPUB: read, summarise or skip (default: settings)")
    play.set_defaults(handler=run_play)

    pregen = subparsers.add_parser("pregen", help="generate a book's audio into its cache, for offline listening")
    pregen.add_argument("book", type=Path)
    model_options(pregen)
    pregen.add_argument("--chapters", default="", metavar="A-B", help="chapter range, numbered from 1 (default: all)")
    pregen.add_argument("--json", action="store_true",
                        help="print a JSON summary at the end (generated, failed, audio_s, wall_s, x_realtime)")
    pregen.set_defaults(handler=run_pregen)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"wants a whole number, 0 or more (got {text!r})")
    return value


class _SpeedAction(argparse.Action):
    """--speed, checked against the one range (narration.config) while parsing: '--speed must be between 0.5
    and 3.0', never clamped or ignored."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        try:
            speed = check_speed(float(str(values)))
        except ValueError:
            parser.error(f"{option_string or '--speed'} {SPEED_RANGE_TEXT} (got {values!r})")
        setattr(namespace, self.dest, speed)


class BookContext:
    """Book, library, cache, model and voice: what play, pregen and export open the same way."""

    def __init__(self, args: argparse.Namespace) -> None:
        from reader_app.books import ParseOptions, load_book
        from reader_app.models.catalog import inspect_model
        from reader_app.narration.session import (
            book_narration_config,
            choose_voice,
            model_path_or_none,
            resolve_voice,
        )
        from reader_app.settings import Settings
        from reader_app.store import Library

        self.settings = Settings.load()
        if args.model:
            self.settings.model_path = args.model
        if args.device:
            self.settings.device = args.device
        if args.threads:
            self.settings.cpu_threads = args.threads
        if getattr(args, "speed", None) is not None:
            self.settings.speed = args.speed
        require_file(args.book)  # not found: the same exit code as every other missing name (cli/errors.py)
        self.remote = remote_provider(args, self.settings)
        self.model: ModelInfo | None
        if self.remote is not None:  # the server's model: its kind checks the voice, its id keys the clips
            self.model_path = None
            self.model = remote_model_info(self.remote)
        else:
            self.model_path = model_path_or_none(self.settings)
            self.model = inspect_model(self.model_path) if self.model_path is not None else None
        if self.model is not None and args.voice:
            resolve_voice(self.model, args.voice)  # a wrong kind or an unknown name: said before anything starts
        self.engine = args.engine
        self.options = {**settings_engine_options(self.settings), **engine_options(args.engine_option)}
        # Options that change the audio are part of each clip's cache key (as in the app).
        audio_options = audio_affecting(self.options)
        listings = getattr(args, "code_listings", None) or self.settings.code_listings  # as the window parses it
        self.book = load_book(args.book, ParseOptions(code_listings=listings))
        gc_policy.freeze_long_lived()  # no full GC pass over the book while the audio callback needs the GIL
        with contextlib.ExitStack() as undo:  # what was opened is closed again if anything below fails
            self.library = Library()
            undo.callback(self.library.close)
            self.library.add_book(self.book)
            self.cache = self.library.open_book_cache(self.book)
            undo.callback(self.cache.close)
            self.cache.sync_sentences(self.book)
            # The voice's name as the user knows it (the narrator of an export), else the spec describes it.
            self.voice_name: str = args.voice or self.library.book_setting(self.book.fingerprint, "voice_name",
                                                                            self.settings.voice) or ""
            if self.model is not None:
                choice = choose_voice(self.model, self.voice_name)  # the book's remembered voice may not fit
                if choice.problem is not None:
                    say(f"warning: {choice.problem}; narrating with {choice.name or 'the default voice'}")
                    self.voice_name = choice.name
            self.config = book_narration_config(self.settings, self.library, self.book, self.model,
                                                self.voice_name, engine_settings=audio_options)
            undo.pop_all()  # opened: close() closes them

    @property
    def can_generate(self) -> bool:
        return self.model_path is not None or self.remote is not None

    def engine_provider(self):
        if self.remote is not None:
            return self.remote
        if self.model_path is None:
            return None
        from reader_app.narration.engine_provider import local_host, qwen_engine_provider

        s = self.settings  # a speech server narrates only with --engine remote: here the model is local
        return qwen_engine_provider(str(self.model_path), s.device, s.dtype, s.cpu_threads or None,
                                    engine=self.engine, host=local_host(s.engine_host), **self.options)

    def close(self) -> None:
        self.cache.close()
        self.library.close()


def open_context(args: argparse.Namespace) -> BookContext:
    """The book, its cache, the model and the voice. What stops it (a missing or unreadable book, a damaged or
    read-only store, an unusable model folder, a voice of the wrong kind) is raised, and main() says it in one
    line with its exit code; what was opened is closed again."""
    return BookContext(args)


def sentence_index(book, spec: str, option: str = "--from") -> int:
    """'CHAPTER:SENTENCE' (from 1) -> index in reading order; `option` names the flag in errors."""
    try:
        chapter, sentence = (int(part) for part in spec.split(":"))
    except ValueError:
        raise UsageError(f"{option} wants CHAPTER:SENTENCE, numbered from 1, e.g. 3:1 (got {spec!r})") from None
    if not 1 <= chapter <= len(book.chapters) or not 1 <= sentence <= len(book.chapters[chapter - 1].sentences):
        raise UsageError(f"{option} {spec}: the book has {len(book.chapters)} chapters; "
                         f"that chapter or sentence does not exist")
    return sum(len(c.sentences) for c in book.chapters[:chapter - 1]) + sentence - 1


class _PlayReport(NarrationListener):
    """Listener that timestamps each sentence: requested (synthesis began), ready (in the cache), started
    (heard), in milliseconds since play was pressed. `done` is set once every sentence of the range was heard or
    skipped (audio that cannot be produced ends the range as surely as audio that was heard)."""

    def __init__(self, start: int, stop: int, echo: Callable[[int], None]) -> None:
        self.t0 = time.monotonic()
        self.start, self.stop = start, stop
        self.rows: dict[int, dict] = {}
        self.errors: list[str] = []
        self.skipped = 0
        self.done = threading.Event()
        self.echo = echo
        self._said: set[str] = set()  # messages already printed: each is said once
        self._lock = threading.Lock()  # called from the generation, feeding and audio threads

    def _ms(self, delay_s: float = 0.0) -> float:
        return round((time.monotonic() + delay_s - self.t0) * 1000, 1)

    def _row(self, index: int) -> dict:
        return self.rows.setdefault(index, {"index": index})

    def on_requested(self, index: int) -> None:
        with self._lock:
            self._row(index).setdefault("requested_ms", self._ms())

    def on_clip_ready(self, index: int) -> None:
        with self._lock:
            self._row(index).setdefault("ready_ms", self._ms())

    def on_clip_queued(self, index: int) -> None:
        with self._lock:
            row = self._row(index)
            if "requested_ms" not in row:
                row["cached"] = True
            row.setdefault("ready_ms", self._ms())

    def on_sentence_started(self, index: int, delay_s: float) -> None:
        with self._lock:
            self._row(index)["started_ms"] = self._ms(delay_s)
        self.echo(index)
        self._check_done()

    def on_state(self, state: NarrationState) -> None:
        if state is NarrationState.FINISHED:
            self.done.set()

    def on_error(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)
        self._say(message)

    def on_sentence_skipped(self, index: int, message: str) -> None:
        with self._lock:
            self._row(index)["skipped"] = message
            self.skipped += 1
        self._say(message)
        self._check_done()

    def last_heard(self) -> int | None:
        with self._lock:
            heard = [i for i, row in self.rows.items() if "started_ms" in row and self.start <= i < self.stop]
        return max(heard, default=None)

    def _say(self, message: str) -> None:
        with self._lock:
            new = message not in self._said
            self._said.add(message)
        if new:
            say(f"warning: {message}")

    def _check_done(self) -> None:
        with self._lock:
            covered = all(("started_ms" in self.rows.get(i, {}) or "skipped" in self.rows.get(i, {}))
                          for i in range(self.start, self.stop))
        if covered:
            self.done.set()


def run_play(args: argparse.Namespace) -> int:
    from reader_app.audio.sounddevice_output import open_output
    from reader_app.narration.narrator import Narrator

    context = open_context(args)
    book = context.book
    try:
        start = sentence_index(book, args.start)
    except ValueError:
        context.close()
        raise
    total = book.sentence_count()
    stop = min(total, start + args.sentences) if args.sentences > 0 else total
    sentences = book.sentences()

    pipe_closed = threading.Event()

    def echo(index: int) -> None:  # on the audio thread: a closed pipe must not reach the player
        if args.json or pipe_closed.is_set():
            return
        s = sentences[index]
        try:
            print(f"[{s.chapter_index + 1}:{s.index + 1}] {s.text}", flush=True)
        except BrokenPipeError:  # `reader-app play BOOK | head -3`: nobody reads any more, stop quietly
            pipe_closed.set()
            report.done.set()

    report = _PlayReport(start, stop, echo)
    try:
        output = open_output(args.output)
        narrator = Narrator(book, context.cache, context.config, output, context.engine_provider(), report,
                            start_index=start, reopen_output=lambda: open_output(args.output))
    except BaseException:  # e.g. a speed or volume out of range in the settings: said by main, in one line
        context.close()
        raise
    try:
        report.t0 = time.monotonic()  # first_audio_ms counts from here: the play request
        narrator.play(start)
        while not report.done.wait(0.2):
            if narrator.state is NarrationState.FINISHED:
                break
        # Let the last sentence heard be heard to its end before stopping the output.
        if report.last_heard() is not None and narrator.state is not NarrationState.FINISHED:
            time.sleep(max(0.0, narrator.player.queued_seconds() - narrator.config.feed_ahead_s))
    except KeyboardInterrupt:
        pass
    finally:
        max_gap_ms = round(narrator.player.max_gap_s * 1000, 1)
        narrator.close()
        context.close()
    if pipe_closed.is_set():
        return stdout_closed()
    started = [row["started_ms"] for row in report.rows.values() if "started_ms" in row]
    summary = {
        "first_audio_ms": report.rows.get(start, {}).get("started_ms"),
        "max_gap_ms": max_gap_ms,
        "sentences_played": len(started),
        "pauses_s": {"sentence": context.config.pause_sentence_s, "paragraph": context.config.pause_paragraph_s,
                     "chapter": context.config.pause_chapter_s},
        "sentences": [report.rows[i] for i in sorted(report.rows)],
        "errors": report.errors,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"first audio after {summary['first_audio_ms']} ms; longest gap {max_gap_ms} ms "
              f"beyond the configured pauses", file=sys.stderr)
    return 0 if started else 1


def chapter_range(book, spec: str) -> range:
    if not spec:
        return range(len(book.chapters))
    first, _, last = spec.partition("-")
    try:
        a, b = int(first), int(last or first)
    except ValueError:
        raise UsageError(f"--chapters wants A-B, numbered from 1 (got {spec!r})") from None
    if not 1 <= a <= b <= len(book.chapters):
        raise UsageError(f"--chapters {spec}: the book has chapters 1-{len(book.chapters)}")
    return range(a - 1, b)


def pregen_summary(result) -> dict:
    """What `pregen --json` prints: x_realtime is seconds of audio made per second of wall time."""
    wall = round(result.elapsed_s, 3)
    return {"generated": result.generated, "failed": result.failed, "audio_s": round(result.audio_s, 3),
            "wall_s": wall, "x_realtime": round(result.audio_s / result.elapsed_s, 3) if result.elapsed_s else 0.0,
            "done": result.done, "total": result.total, "cancelled": result.cancelled, "error": result.error}


def run_pregen(args: argparse.Namespace) -> int:
    from reader_app.narration.pregen import Pregenerator, ProgressBar

    context = open_context(args)
    try:
        if not context.can_generate:
            raise UsageError("pregen needs a model: pass --model DIR, set READER_APP_MODEL, or use "
                             "--engine remote --server URL")
        chapters = chapter_range(context.book, args.chapters)
        pregen = Pregenerator(context.book, context.cache, context.config, context.engine_provider())
        bar = ProgressBar(sys.stderr)
        result = pregen.run(chapters, progress=bar.update)
        if args.json:
            print(json.dumps(pregen_summary(result)))
        if result.error is not None:  # the store refused a clip (disk full...): what was stored stays
            bar.stopped(result)
            say(f"error: {result.error}")
            return 1
        bar.finish(result)
        return 0 if result.failed == 0 else 1
    except KeyboardInterrupt:
        print("\nStopped; what was generated is kept, and a new run continues from there.", file=sys.stderr)
        return 130
    finally:
        context.close()
