"""`reader-app voices ...`: list, clone, design, preview, export, import and delete saved voices.

Listed in reader_app.cli.main.COMMANDS. Model work imports torch only inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reader_app.tts.engine import VoiceKind


def register(subparsers: argparse._SubParsersAction) -> None:
    voices = subparsers.add_parser("voices", help="manage narrator voices (list, clone, design, share)",
                                   description="Bundled preset voices and your own designed or cloned voices.")
    sub = voices.add_subparsers(dest="voices_command", metavar="ACTION")
    voices.set_defaults(handler=lambda args: (voices.print_help(), 0)[1])

    p = sub.add_parser("list", help="list voices")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=run_list)

    p = sub.add_parser("clone", help="clone a voice from a recording (needs a Base model)")
    p.add_argument("--model", required=True, metavar="DIR", help="Qwen3-TTS Base model folder")
    p.add_argument("--audio", required=True, metavar="FILE", help="3-30 s of speech: WAV, FLAC, OGG or MP3")
    p.add_argument("--text", metavar="TRANSCRIPT", help="what the recording says (better likeness)")
    p.add_argument("--name", required=True)
    p.add_argument("--language", default="", help="the voice's language, for display")
    _engine_args(p)
    p.set_defaults(handler=run_clone)

    p = sub.add_parser("design", help="design a voice from a description (needs a VoiceDesign model)")
    p.add_argument("--model", required=True, metavar="DIR", help="Qwen3-TTS VoiceDesign model folder")
    p.add_argument("--description", required=True, metavar="TEXT")
    p.add_argument("--name", required=True)
    p.add_argument("--clone-model", metavar="DIR", help="Base model: fix the designed voice as a clone so it "
                                                        "sounds the same in every sentence")
    p.add_argument("--language", default="english", help="language of the sample sentence (default english)")
    p.add_argument("--preview", metavar="WAV", help="also write the preview to this file")
    _engine_args(p)
    p.set_defaults(handler=run_design)

    p = sub.add_parser("preview", help="say a sample sentence in a voice")
    p.add_argument("name")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("--language", default="english")
    p.add_argument("--text", help="instead of the sample sentence")
    p.add_argument("-o", "--output", required=True, metavar="WAV")
    _engine_args(p)
    p.set_defaults(handler=run_preview)

    p = sub.add_parser("export", help="write a voice to one .voice file")
    p.add_argument("name")
    p.add_argument("file")
    p.set_defaults(handler=run_export)

    p = sub.add_parser("import", help="add a voice from a .voice file (checked strictly)")
    p.add_argument("file")
    p.add_argument("--name", help="store it under another name")
    p.set_defaults(handler=run_import)

    p = sub.add_parser("delete", help="delete one of your voices")
    p.add_argument("name")
    p.set_defaults(handler=run_delete)


def _engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto")
    p.add_argument("--dtype", default="auto")
    p.add_argument("--threads", type=int)
    p.add_argument("--seed", type=int, help="random seed (the same seed gives the same preview)")
    p.add_argument("--max-frames-per-char", type=float, help=argparse.SUPPRESS)
    p.add_argument("--margin-frames", type=int, help=argparse.SUPPRESS)


def _engine(args: argparse.Namespace, folder: str):
    from reader_app.tts.stock.engine import load_engine

    extra = {"seed": args.seed}
    if args.max_frames_per_char:
        extra["max_frames_per_char"] = args.max_frames_per_char
    if args.margin_frames is not None:
        extra["margin_frames"] = args.margin_frames
    return load_engine(folder, device=args.device, dtype=args.dtype, threads=args.threads, **extra)


def _model_of_kind(folder: str, voice_kind: VoiceKind, option: str = "--model", name: str = "") -> None:
    """The folder must be a checkpoint that speaks `voice_kind` voices (checked before any model loads or any
    voice is saved): VoiceModelMismatch, a usage error, otherwise."""
    from reader_app.models.catalog import inspect_model
    from reader_app.tts.engine import MODEL_KIND_LABEL, VOICE_MODEL_KIND
    from reader_app.voices.compat import check_voice_for_model

    needed = MODEL_KIND_LABEL[VOICE_MODEL_KIND[voice_kind]]
    check_voice_for_model(voice_kind, inspect_model(folder).kind, name,
                          advice=f"pass a {needed} checkpoint folder to {option}")


def run_list(args: argparse.Namespace) -> int:
    from reader_app.voices.library import list_voices

    voices = list_voices()
    if args.json:
        print(json.dumps([{"name": v.name, "kind": v.kind, "origin": v.origin, "language": v.language,
                           "description": v.description, "builtin": v.builtin, "path": str(v.path),
                           "speaker": v.speaker} for v in voices], ensure_ascii=False, indent=2))
        return 0
    width = max((len(v.name) for v in voices), default=4)
    for v in voices:
        where = "built-in" if v.builtin else v.origin
        print(f"{v.name:<{width}}  {v.kind:<6}  {where:<10}  {v.language or '-':<9}  {v.description[:70]}")
    return 0


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def run_clone(args: argparse.Namespace) -> int:
    from reader_app.voices.library import clone_voice
    from reader_app.voices.recording import prepare_reference_file

    prepare_reference_file(args.audio, has_transcript=bool(args.text))  # fail fast, before loading the model
    _model_of_kind(args.model, VoiceKind.CLONE, name=args.name)
    engine = _engine(args, args.model)
    entry, notes = clone_voice(args.name, args.audio, engine, ref_text=args.text, language=args.language)
    _print_notes(notes)
    mode = "with transcript (ICL)" if entry.ref_text else "timbre only (x-vector)"
    print(f"saved voice {entry.name!r} ({mode}) in {entry.path}")
    return 0


def run_design(args: argparse.Namespace) -> int:
    from reader_app.tts.engine import VoiceSpec
    from reader_app.voices.library import preview, sample_sentence, save_designed_voice

    _model_of_kind(args.model, VoiceKind.DESIGN, name=args.name)  # even when only the description is saved
    if args.clone_model:
        _model_of_kind(args.clone_model, VoiceKind.CLONE, "--clone-model", args.name)
    if not args.clone_model:
        entry, notes = save_designed_voice(args.name, args.description, language=args.language)
        _print_notes(notes)
        print(f"saved designed voice {entry.name!r} (description only; a VoiceDesign model speaks it)")
        return 0
    design = _engine(args, args.model)
    text = sample_sentence(args.language)
    clip = preview(design, VoiceSpec(kind=VoiceKind.DESIGN, description=args.description), args.language, text)
    if args.preview:
        import soundfile as sf

        sf.write(args.preview, clip.samples, clip.sample_rate)
    del design  # one model in memory at a time
    clone = _engine(args, args.clone_model)
    entry, notes = save_designed_voice(args.name, args.description, preview=clip, sample_text=text,
                                       language=args.language, clone_engine=clone)
    _print_notes(notes)
    print(f"saved voice {entry.name!r}: designed, then fixed as a clone ({entry.path})")
    return 0


def run_preview(args: argparse.Namespace) -> int:
    import soundfile as sf

    from reader_app.voices.library import VoiceNotFoundError, get_voice, preview

    entry = get_voice(args.name)
    if entry is None:
        raise VoiceNotFoundError(f"There is no voice called {args.name!r}.")
    _model_of_kind(args.model, entry.kind, name=entry.name)
    clip = preview(_engine(args, args.model), args.name, args.language, args.text)
    sf.write(args.output, clip.samples, clip.sample_rate)
    print(f"wrote {args.output}: {clip.duration_s:.2f} s")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from reader_app.voices.library import export_voice

    print(f"wrote {export_voice(args.name, Path(args.file))}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from reader_app.voices.library import import_voice

    entry = import_voice(Path(args.file), name=args.name)
    print(f"imported voice {entry.name!r} ({entry.kind})")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from reader_app.voices.library import VoiceNotFoundError, delete_voice

    if not delete_voice(args.name):
        raise VoiceNotFoundError(f"There is no voice called {args.name!r}.")
    print(f"deleted {args.name}")
    return 0
