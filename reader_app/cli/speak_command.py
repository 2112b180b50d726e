"""`reader-app speak`: synthesize one text to a 24 kHz WAV file (the stock engine, checked against the model)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    speak = subparsers.add_parser("speak", help="synthesize one text to a WAV file",
                                  description="Say a text with a Qwen3-TTS model and write a 24 kHz WAV file.")
    speak.add_argument("--model", metavar="DIR", help="model folder (default: $READER_APP_MODEL or settings)")
    speak.add_argument("--voice", metavar="NAME", help="preset speaker of a CustomVoice model (default: its first)")
    speak.add_argument("--language", default="auto", help="English, Chinese, ... or auto (default)")
    speak.add_argument("--instruct", metavar="TEXT", help="style instruction (CustomVoice 1.7B) or voice "
                                                          "description (VoiceDesign)")
    speak.add_argument("--description", metavar="TEXT", help="voice description for a VoiceDesign model")
    speak.add_argument("--ref-audio", metavar="FILE", help="reference recording to clone (Base models)")
    speak.add_argument("--ref-text", metavar="TEXT", help="transcript of the reference (better cloning); "
                                                          "without it only the voice timbre is used")
    speak.add_argument("--text", required=True, help="the text to say ('-' reads standard input)")
    speak.add_argument("-o", "--output", required=True, metavar="WAV", help="WAV file to write")
    speak.add_argument("--float", action="store_true", help="write 32-bit float samples instead of 16-bit")
    speak.add_argument("--greedy", action="store_true", help="no sampling (deterministic, for tests)")
    speak.add_argument("--seed", type=int, help="random seed for sampling")
    speak.add_argument("--device", default="auto", help="auto (cuda > mps > cpu), cpu, cuda, cuda:1, mps")
    speak.add_argument("--dtype", default="auto", help="auto, float32, bfloat16, float16")
    speak.add_argument("--threads", type=int, help="CPU threads for torch")
    speak.add_argument("--max-frames-per-char", type=float, help="runaway guard: codec frames allowed per "
                                                                 "character (12.5 frames = 1 s)")
    speak.add_argument("--margin-frames", type=int, help="runaway guard: frames allowed on top (default 25)")
    speak.add_argument("--engine", choices=("stock", "remote"), default="stock",
                       help="stock: load the model here (default); remote: a speech server (--server)")
    speak.add_argument("--server", metavar="URL", help="speech server for --engine remote (reader-app serve, "
                                                       "vLLM-Omni), e.g. http://gpu-box:8000")
    speak.add_argument("--token", help="the server's token (sent as 'Authorization: Bearer')")
    speak.set_defaults(handler=run_speak)


def model_folder(args: argparse.Namespace) -> Path | None:
    from reader_app.models.catalog import configured_model_path

    if args.model:
        return Path(args.model).expanduser()
    saved = None
    try:
        from reader_app.settings import Settings

        saved = Settings.load().model_path
    except Exception:  # noqa: BLE001 - no or unreadable settings: env var only
        saved = None
    return configured_model_path(saved)


def _voice_for(info, args: argparse.Namespace):
    """The VoiceSpec asked for on the command line, checked against what this model can do (a saved voice of
    another kind: VoiceModelMismatch, through the one check in voices/compat.py)."""
    from reader_app.cli.errors import UsageError
    from reader_app.tts.engine import ModelKind, VoiceKind, VoiceSpec
    from reader_app.voices.compat import check_voice_for_model
    from reader_app.voices.library import DEFAULT_DESIGN_DESCRIPTION, VoiceNotFoundError, find_voice
    from reader_app.voices.recording import RecordingNotFoundError

    if args.voice:
        speaker = args.voice.lower()
        if info.kind == ModelKind.CUSTOM_VOICE and speaker in info.speakers:
            return VoiceSpec(kind=VoiceKind.PRESET, speaker=speaker, instruct=args.instruct or None)
        saved = find_voice(args.voice)
        if saved is None:
            known = f"; this model's speakers are {', '.join(info.speakers)}" if info.speakers else ""
            raise VoiceNotFoundError(f"unknown voice {args.voice!r}{known}")
        check_voice_for_model(saved.kind, info.kind, args.voice)
        return saved
    if info.kind == ModelKind.CUSTOM_VOICE:
        if args.ref_audio:
            raise UsageError("this model (CustomVoice) cannot clone voices; choose a Base model for --ref-audio")
        return VoiceSpec(kind=VoiceKind.PRESET, speaker=info.speakers[0], instruct=args.instruct or None)
    if info.kind == ModelKind.VOICE_DESIGN:
        description = args.description or args.instruct or DEFAULT_DESIGN_DESCRIPTION
        return VoiceSpec(kind=VoiceKind.DESIGN, description=description)
    if not args.ref_audio:
        raise UsageError("this is a Base (voice cloning) model: pass --ref-audio FILE (and ideally --ref-text)")
    ref = Path(args.ref_audio).expanduser()
    if not ref.is_file():
        raise RecordingNotFoundError(f"Recording {ref} does not exist.")
    return VoiceSpec(kind=VoiceKind.CLONE, ref_audio=str(ref), ref_text=args.ref_text or None)


def run_speak(args: argparse.Namespace) -> int:
    from reader_app.cli.errors import UsageError
    from reader_app.models.catalog import inspect_model
    from reader_app.tts.engine import SynthesisRequest, VoiceKind

    text = sys.stdin.read() if args.text == "-" else args.text
    remote = None
    if args.engine == "remote":  # the server's model: its kind and speakers check the voice
        from reader_app.tts.remote.engine import RemoteEngine

        if not args.server:
            raise UsageError("--engine remote needs --server URL (reader-app serve or vLLM-Omni)")
        remote = RemoteEngine(args.server, args.token)
        info = remote.model_info()
    else:
        folder = model_folder(args)
        if folder is None:
            raise UsageError("no model: pass --model DIR or set READER_APP_MODEL")
        info = inspect_model(folder)
    voice = _voice_for(info, args)
    if not text.strip():
        raise UsageError("nothing to say: --text is empty")
    if voice.kind == VoiceKind.PRESET and voice.instruct and info.ignores_instructions:
        print("note: 0.6B CustomVoice models ignore --instruct", file=sys.stderr)
    import soundfile as sf

    from reader_app.tts.stock.engine import load_engine

    started = time.perf_counter()
    extra = {"greedy": args.greedy, "seed": args.seed}
    if args.max_frames_per_char:
        extra["max_frames_per_char"] = args.max_frames_per_char
    if args.margin_frames is not None:
        extra["margin_frames"] = args.margin_frames
    engine = remote or load_engine(info.path, device=args.device, dtype=args.dtype, threads=args.threads, **extra)
    loaded = time.perf_counter()
    clip = engine.synthesize([SynthesisRequest(text=text.strip(), voice=voice, language=args.language)])[0]
    done = time.perf_counter()
    out = Path(args.output).expanduser()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(out), clip.samples, clip.sample_rate, subtype="FLOAT" if args.float else "PCM_16")
    except (OSError, RuntimeError) as exc:  # soundfile reports an unwritable path as a RuntimeError
        raise OSError(f"cannot write {args.output}: {exc}") from exc
    note = " (random test weights: noise)" if info.is_random_test_checkpoint else ""
    print(f"wrote {out}: {clip.duration_s:.2f} s of audio in {done - loaded:.2f} s "
          f"(model load {loaded - started:.1f} s, {getattr(engine, 'device', args.server)}, {info.kind}){note}")
    return 0
