"""Preparing a reference recording for cloning: read, check, fix what can be fixed safely, and say so.

prepare_reference() turns a file or an array from the microphone into 24 kHz mono float32 with silence trimmed
and loudness normalised, plus a list of plain-language notes for the user ("Mixed stereo down to mono", "Cut to
the first 30 s"). Problems that cannot be fixed safely (silent, too short, heavily clipped, unreadable) raise
VoiceInputError with a message meant for the user. numpy/soundfile/soxr only: no torch here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reader_app.tts.engine import SAMPLE_RATE, EngineError

MIN_SECONDS = 3.0
MAX_SECONDS = 30.0
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_FILE_SECONDS = 15 * 60  # longer files are refused before decoding them
KEEP_SECONDS = MAX_SECONDS + 30.0  # decoded of a longer file: room for leading silence, then MAX_SECONDS
MAX_DECODED_SAMPLES = 32_000_000  # frames x channels decoded at most: 60 s of 8 channels at 64 kHz, ~0.3 s CPU
BLOCK_FRAMES = 1 << 16
EXACT_LENGTH_FORMATS = ("WAV", "WAVEX", "FLAC", "AIFF")  # their header's length is exact, not an estimate
MIN_RATE = 8_000
TARGET_RMS_DB = -20.0
PEAK_LIMIT = 0.95
SUPPORTED_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".mp3")  # what libsndfile >= 1.1 decodes
SILENT_PEAK = 10 ** (-50 / 20)  # -50 dBFS peak: nothing recorded
CLIP_LEVEL = 0.999
CLIP_WARN = 0.001  # fraction of samples at full scale that deserves a warning
CLIP_REFUSE = 0.05  # ... and that makes the recording useless
TRIM_BELOW_PEAK_DB = 40.0
PAD_SECONDS = 0.15


class VoiceInputError(EngineError):
    """A recording that cannot be used; the message says why and what to do."""


class RecordingNotFoundError(VoiceInputError):
    """The reference recording named does not exist (the command line's not-found exit code)."""


@dataclass
class PreparedAudio:
    samples: np.ndarray  # float32, mono, SAMPLE_RATE
    sample_rate: int = SAMPLE_RATE
    notes: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return self.samples.size / float(self.sample_rate)


@dataclass
class DecodedAudio:
    samples: np.ndarray  # float32, mono, at the file's rate: at most keep_seconds of it
    sample_rate: int
    notes: list[str]
    file_seconds: float  # the whole file's length, decoded or not


def _truncation(info: Any) -> str | None:
    """libsndfile's own diagnosis of a WAV/AIFF shorter than its header declares ("data : N (should be M)")."""
    match = re.search(r"^(?:data|SSND) : (\d+) \(should be (\d+)\)", info.extra_info or "", re.MULTILINE)
    if match is None:
        return None
    declared, present = int(match[1]), int(match[2])
    if declared <= present or declared >= 0xFFFFFF00:  # larger than declared, or a streaming placeholder
        return None
    return f"it holds {info.duration:.1f} s of the {info.duration * declared / max(present, 1):.1f} s its " \
           "header declares"


def decode_audio_file(path: str | Path, *, keep_seconds: float = KEEP_SECONDS) -> DecodedAudio:
    """The first keep_seconds of a recording, mixed to mono block by block (memory: the kept mono samples and
    one block, whatever the file's rate, channels and length); VoiceInputError for anything unreadable, too
    large to decode, or shorter than its header says (truncated)."""
    import soundfile as sf

    path = Path(path).expanduser()
    if not path.is_file():
        raise RecordingNotFoundError(f"Recording {path} does not exist.")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise VoiceInputError(f"{path.name}: unsupported file type {path.suffix or '(none)'}; "
                              "use WAV, FLAC, OGG or MP3.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise VoiceInputError(f"{path.name} is too large ({path.stat().st_size // (1 << 20)} MB); "
                              f"use a recording of {MIN_SECONDS:.0f} to {MAX_SECONDS:.0f} seconds.")
    try:
        info = sf.info(str(path))
        if info.samplerate <= 0 or info.channels <= 0:
            raise ValueError("no audio stream")
    except Exception as exc:  # noqa: BLE001 - soundfile raises several types for corrupt files
        raise VoiceInputError(f"{path.name} cannot be read as audio (corrupt or unsupported: {exc}). "
                              "Use WAV, FLAC, OGG or MP3.") from None
    rate, channels = int(info.samplerate), int(info.channels)
    if info.frames > MAX_FILE_SECONDS * rate:
        raise VoiceInputError(f"{path.name} is {info.frames / rate / 60:.0f} minutes long; cut a "
                              f"{MIN_SECONDS:.0f}-{MAX_SECONDS:.0f} second excerpt of clear speech first.")
    truncated = _truncation(info)
    if truncated:
        raise VoiceInputError(f"{path.name} is truncated or damaged ({truncated}); use the complete recording.")
    wanted = min(int(info.frames), int(keep_seconds * rate))
    if wanted * channels > MAX_DECODED_SAMPLES:  # decided from the header, before decoding anything
        raise VoiceInputError(f"{path.name} holds too much audio to decode ({channels} channels at {rate} Hz); "
                              "save the excerpt as mono or stereo at 48 kHz or less.")
    mono, got = np.empty(wanted, dtype=np.float32), 0
    try:
        with sf.SoundFile(str(path)) as stream:
            while got < wanted:
                block = stream.read(min(BLOCK_FRAMES, wanted - got), dtype="float32", always_2d=True)
                if not len(block):
                    break
                mono[got:got + len(block)] = block[:, 0] if channels == 1 else block.mean(axis=1)
                got += len(block)
    except Exception as exc:  # noqa: BLE001 - libsndfile reports a damaged stream mid-way as several types
        raise VoiceInputError(f"{path.name} is truncated or damaged (decoding stopped at {got / rate:.1f} s: "
                              f"{exc}); use the complete recording.") from None
    if got < wanted and info.format in EXACT_LENGTH_FORMATS:  # lossy headers may only estimate the length
        raise VoiceInputError(f"{path.name} is truncated or damaged (it holds {got / rate:.1f} s of the "
                              f"{info.frames / rate:.1f} s its header declares); use the complete recording.")
    notes = [f"Mixed {channels} channels down to mono."] if channels > 1 else []
    return DecodedAudio(mono[:got], rate, notes, float(info.frames) / rate)


def _to_mono(audio: np.ndarray, notes: list[str]) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 1:
        return audio
    if audio.ndim != 2:
        raise VoiceInputError(f"Unexpected audio shape {audio.shape}.")
    if audio.shape[1] > audio.shape[0]:  # channels-first arrays from some callers
        audio = audio.T
    if audio.shape[1] == 1:
        return audio[:, 0]
    notes.append(f"Mixed {audio.shape[1]} channels down to mono.")
    return audio.mean(axis=1)


def _resample(audio: np.ndarray, rate: int, notes: list[str]) -> np.ndarray:
    if rate == SAMPLE_RATE:
        return audio
    if rate < MIN_RATE:
        raise VoiceInputError(f"The recording's sample rate is {rate} Hz; at least {MIN_RATE} Hz is needed.")
    import soxr

    if rate < 16_000:
        notes.append(f"The recording is low quality ({rate} Hz, telephone-like); the voice may sound muffled.")
    notes.append(f"Resampled from {rate} Hz to {SAMPLE_RATE} Hz.")
    return soxr.resample(audio, rate, SAMPLE_RATE, quality="HQ").astype(np.float32)


def _frame_levels(audio: np.ndarray, frame: int) -> np.ndarray:
    n = audio.size // frame
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    blocks = audio[: n * frame].reshape(n, frame)
    return np.sqrt(np.mean(blocks * blocks, axis=1))


def _trim(audio: np.ndarray, notes: list[str]) -> np.ndarray:
    """Drop leading/trailing silence (frames 40 dB below the loudest frame), keeping a short pad."""
    frame = SAMPLE_RATE // 50
    levels = _frame_levels(audio, frame)
    if levels.size == 0:
        return audio
    voiced = np.flatnonzero(levels > levels.max() * 10 ** (-TRIM_BELOW_PEAK_DB / 20))
    pad = int(PAD_SECONDS * SAMPLE_RATE)
    start = max(0, int(voiced[0]) * frame - pad)
    end = min(audio.size, (int(voiced[-1]) + 1) * frame + pad)
    removed = (start + audio.size - end) / SAMPLE_RATE
    if removed >= 0.3:
        notes.append(f"Trimmed {removed:.1f} s of silence.")
    return audio[start:end]


def _normalise(audio: np.ndarray, notes: list[str]) -> np.ndarray:
    """Bring speech to about -20 dBFS RMS (measured on voiced frames), never letting peaks pass 0.95."""
    levels = _frame_levels(audio, SAMPLE_RATE // 50)
    voiced = levels[levels > levels.max() * 0.1] if levels.size else levels
    rms = float(np.sqrt(np.mean(voiced ** 2))) if voiced.size else float(np.sqrt(np.mean(audio ** 2)))
    peak = float(np.abs(audio).max())
    gain = min(10 ** (TARGET_RMS_DB / 20) / max(rms, 1e-9), PEAK_LIMIT / max(peak, 1e-9))
    gain_db = 20 * np.log10(gain)
    if abs(gain_db) >= 3:
        notes.append(f"{'Raised' if gain_db > 0 else 'Lowered'} the level by {abs(gain_db):.0f} dB.")
    return (audio * gain).astype(np.float32)


def prepare_reference(audio: np.ndarray, sample_rate: int, *, has_transcript: bool = False,
                      min_seconds: float = MIN_SECONDS, max_seconds: float = MAX_SECONDS,
                      source_seconds: float | None = None) -> PreparedAudio:
    """Check and clean a reference recording (source_seconds: the length of the file it was cut from, for the
    notes). Raises VoiceInputError for what cannot be fixed safely."""
    notes: list[str] = []
    mono = _to_mono(audio, notes)
    if mono.size == 0:
        raise VoiceInputError("The recording is empty.")
    if not np.isfinite(mono).all():
        mono = np.nan_to_num(mono, nan=0.0, posinf=0.0, neginf=0.0)
        notes.append("Replaced invalid samples (NaN/infinity) with silence.")
    mono = mono - float(mono.mean())  # DC offset would fool the silence and level checks
    peak = float(np.abs(mono).max())
    if peak < SILENT_PEAK:
        raise VoiceInputError("The recording is silent (or nearly): check the microphone or choose another file.")
    clipped = float(np.mean(np.abs(mono) >= CLIP_LEVEL * max(peak, CLIP_LEVEL)))
    if clipped >= CLIP_REFUSE:
        raise VoiceInputError(f"The recording is heavily clipped ({clipped:.0%} of samples at full scale); "
                              "record again with the input level lower.")
    if clipped >= CLIP_WARN:
        notes.append(f"Warning: {clipped:.1%} of samples are clipped; the voice may sound distorted.")
    mono = _resample(mono, int(sample_rate), notes)
    mono = _trim(mono, notes)
    seconds = mono.size / SAMPLE_RATE
    if seconds < min_seconds:
        raise VoiceInputError(f"The recording has only {seconds:.1f} s of sound; use {min_seconds:.0f} to "
                              f"{max_seconds:.0f} seconds of clear speech.")
    if seconds > max_seconds:
        if has_transcript:
            raise VoiceInputError(f"The recording is {seconds:.0f} s long; with a transcript it must be at most "
                                  f"{max_seconds:.0f} s (cut it, or clone without the transcript).")
        mono = mono[: int(max_seconds * SAMPLE_RATE)]
        notes.append(f"Used the first {max_seconds:.0f} s of the {max(seconds, source_seconds or 0):.0f} s "
                     "recording.")
    return PreparedAudio(_normalise(mono, notes), SAMPLE_RATE, notes)


def prepare_reference_file(path: str | Path, *, has_transcript: bool = False) -> PreparedAudio:
    """prepare_reference() for a file, of which only the first KEEP_SECONDS are decoded."""
    decoded = decode_audio_file(path)
    cut = decoded.samples.size < round(decoded.file_seconds * decoded.sample_rate)
    if cut and has_transcript:
        raise VoiceInputError(f"The recording is {decoded.file_seconds:.0f} s long; with a transcript it must be "
                              f"at most {MAX_SECONDS:.0f} s (cut it, or clone without the transcript).")
    prepared = prepare_reference(decoded.samples, decoded.sample_rate, has_transcript=has_transcript,
                                 source_seconds=decoded.file_seconds if cut else None)
    prepared.notes[:0] = decoded.notes
    return prepared
