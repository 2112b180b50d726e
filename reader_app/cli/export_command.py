"""`reader-app export BOOK --format m4b|mp3|opus|flac [-o OUT] [--chapters A-B] [--per-chapter] [--json]`:
the book's narration as audiobook files. Audio missing from the cache is generated first (with the model, the
voice and the options the app uses), what is cached is reused as it is.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from reader_app.cli.errors import EXIT_ERROR, EXIT_USAGE, UsageError, say
from reader_app.export.formats import ExportFormat


def register(subparsers: argparse._SubParsersAction) -> None:
    from reader_app.cli.play_command import model_options

    p = subparsers.add_parser("export", help="write the book's narration as audiobook files (M4B, MP3, Opus, FLAC)",
                              description="Export a book's narration: one M4B with chapters, cover and tags (for "
                                          "Audiobookshelf and phone players), or MP3/Opus/FLAC files.")
    p.add_argument("book", type=Path)
    p.add_argument("--format", choices=list(ExportFormat), default=ExportFormat.M4B, help="default: m4b")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="the file to write (with --per-chapter: the folder); default: the book's title here")
    p.add_argument("--chapters", default="", metavar="A-B", help="chapter range, numbered from 1 (default: all)")
    p.add_argument("--per-chapter", action="store_true", help="one numbered, tagged file per chapter")
    p.add_argument("--bitrate", default=None, help="e.g. 64k (lossy formats; default: M4B 48k, MP3 64k, Opus 32k)")
    p.add_argument("--json", action="store_true", help="print a JSON summary at the end")
    model_options(p)
    p.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from reader_app.cli.play_command import chapter_range, open_context
    from reader_app.export.exporter import ExportCancelled, ExportRequest, default_output, export_audiobook
    from reader_app.export.formats import parse_bitrate
    from reader_app.export.metadata import book_tags
    from reader_app.export.progress import ExportProgressBar
    from reader_app.export.writer import ExportError

    context = open_context(args)  # a missing book or model, a voice of the wrong kind: raised, said by main()
    cancel = threading.Event()
    bar = ExportProgressBar(sys.stderr)
    try:
        fmt = ExportFormat(args.format)
        chapters = chapter_range(context.book, args.chapters)
        bitrate = parse_bitrate(args.bitrate) if args.bitrate else None
        output = args.output or default_output(context.book, fmt, args.per_chapter, Path.cwd())
        request = ExportRequest(fmt, output.expanduser(), list(chapters), args.per_chapter, bitrate)
        tags = book_tags(context.book, context.config.voice, context.voice_name)
        summary = export_audiobook(context.book, context.cache, context.config, request, tags,
                                   context.engine_provider(), bar.update, cancel)
    except ExportCancelled as exc:
        bar.clear()
        print(str(exc), file=sys.stderr)
        return 130
    except (ExportError, ValueError) as exc:
        bar.clear()
        say(f"error: {exc}")
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_ERROR  # --chapters out of range: usage
    except KeyboardInterrupt:
        cancel.set()
        bar.clear()
        print("Export interrupted: no partial file was kept; generated audio stays cached.", file=sys.stderr)
        return 130
    finally:
        context.close()
    bar.clear()
    for note in summary.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(summary.to_json(), indent=2))
    else:
        where = summary.output if len(summary.files) == 1 else f"{len(summary.files)} files in {summary.output}"
        print(f"Exported {summary.chapters} chapter(s), {summary.duration_s / 3600:.2f} h of audio, to {where} "
              f"({summary.generated} sentences generated, {summary.reused} reused)")
    return 0
