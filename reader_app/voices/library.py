"""The voice library: bundled presets (voices/ beside the package) and the user's voices (paths.voices_dir()).

A voice is a folder of plain files (reader_app.voices.files): voice.json, and for cloned voices the cleaned
reference recording and the clone prompt in safetensors, computed once so reuse costs nothing.
Listing and lookup never import torch; saving a clone needs a Base engine, which the caller loads (on a
worker thread in the GUI; the studio's runs in a process of its own, reader_app/service).
Sharing goes through reader_app.voices.archive.

Names are unique (case-insensitively) even when several processes or threads save or import at once: a new
voice is written into a temporary folder, then its name is checked (or, on import, chosen) and the folder
renamed into place under one lock file in the voices folder (filelock: an OS lock, released if the process dies).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from reader_app.tts.engine import (
    SAMPLE_RATE,
    VOICE_MODEL_KIND,
    EngineError,
    ModelKind,
    SynthesisRequest,
    VoiceKind,
    VoiceSpec,
)
from reader_app.voices import files as vf
from reader_app.voices.recording import (
    PreparedAudio,
    prepare_reference,
    prepare_reference_file,
)

# What a VoiceDesign model narrates with until the user designs a voice of their own.
DEFAULT_DESIGN_DESCRIPTION = ("A warm, clear adult narrator with a calm, steady pace, "
                              "reading a novel aloud with gentle expression.")

SAMPLE_SENTENCES = {
    "english": "The old lighthouse keeper climbed the stairs once more, and watched the storm roll in from the sea.",
    "chinese": "老灯塔看守人又一次爬上楼梯，望着暴风雨从海上涌来。",
    "japanese": "年老いた灯台守はもう一度階段を上り、海から嵐が押し寄せるのを見つめた。",
    "korean": "늙은 등대지기는 다시 한 번 계단을 올라 바다에서 폭풍이 몰려오는 것을 지켜보았다.",
    "german": "Der alte Leuchtturmwärter stieg noch einmal die Treppe hinauf und sah den Sturm vom Meer heranziehen.",
    "french": "Le vieux gardien du phare monta encore une fois l'escalier et regarda la tempête arriver de la mer.",
    "russian": "Старый смотритель маяка ещё раз поднялся по лестнице и смотрел, как с моря надвигается буря.",
    "portuguese": "O velho faroleiro subiu mais uma vez as escadas e viu a tempestade chegar do mar.",
    "spanish": "El viejo farero subió una vez más las escaleras y vio llegar la tormenta desde el mar.",
    "italian": "Il vecchio guardiano del faro salì ancora una volta le scale e guardò la tempesta arrivare dal mare.",
}


class VoiceNotFoundError(EngineError):
    """No saved or bundled voice has the name asked for (the command line's not-found exit code)."""


@dataclass(frozen=True)
class VoiceEntry:
    name: str
    kind: VoiceKind  # which model kind speaks it (VOICE_MODEL_KIND)
    description: str
    language: str  # native or main language ("English", ...), "" when unknown
    path: Path  # the voice's folder
    builtin: bool
    origin: str = "preset"  # preset | design | file | microphone | import
    speaker: str | None = None
    instruct: str | None = None
    design_description: str | None = None
    ref_text: str | None = None
    model: dict = field(default_factory=dict, compare=False, hash=False)  # clone model kind/size/hidden_size
    notes: tuple[str, ...] = ()

    @property
    def model_kind(self) -> ModelKind:
        """The checkpoint kind that speaks this voice."""
        return VOICE_MODEL_KIND[self.kind]

    @property
    def has_prompt(self) -> bool:
        return (self.path / vf.PROMPT_FILE).is_file()

    def spec(self) -> VoiceSpec:
        """What QwenEngine needs; clones point at the stored prompt (and the recording to rebuild it)."""
        if self.kind == VoiceKind.PRESET:
            return VoiceSpec(kind=VoiceKind.PRESET, speaker=self.speaker, instruct=self.instruct or None)
        if self.kind == VoiceKind.DESIGN:
            return VoiceSpec(kind=VoiceKind.DESIGN, description=self.design_description)
        ref = vf.ref_file(self.path)
        return VoiceSpec(kind=VoiceKind.CLONE, ref_audio=str(ref) if ref else None, ref_text=self.ref_text or None,
                         prompt_path=str(self.path / vf.PROMPT_FILE))


def bundled_dir() -> Path:
    from reader_app.resources import bundled_voices_dir

    return bundled_voices_dir()


def user_dir() -> Path:
    from reader_app.paths import voices_dir

    return voices_dir()


def _entry(folder: Path, builtin: bool) -> VoiceEntry:
    m = vf.read_meta(folder)
    return VoiceEntry(name=m["name"], kind=VoiceKind(m["kind"]), description=m.get("description", ""),
                      language=m.get("language", ""), path=folder, builtin=builtin,
                      origin=m.get("origin", "preset"), speaker=(m.get("speaker") or None),
                      instruct=m.get("instruct"), design_description=m.get("design_description"),
                      ref_text=m.get("ref_text"), model=dict(m.get("model") or {}), notes=tuple(m.get("notes", [])))


def _scan(root: Path, builtin: bool) -> list[VoiceEntry]:
    out: list[VoiceEntry] = []
    if not root.is_dir():
        return out
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not folder.is_symlink() and not folder.name.startswith("."):
            try:
                out.append(_entry(folder, builtin))
            except EngineError:
                continue  # a damaged folder must not hide the other voices
    return out


def list_voices(kind: str | None = None) -> list[VoiceEntry]:
    """Bundled voices first (in their folder order), then the user's, by name; optionally one kind only."""
    seen: set[str] = set()
    voices: list[VoiceEntry] = []
    for entry in _scan(bundled_dir(), True) + sorted(_scan(user_dir(), False), key=lambda e: e.name.lower()):
        if entry.name.lower() not in seen:
            seen.add(entry.name.lower())
            voices.append(entry)
    return [v for v in voices if kind is None or v.kind == kind]


def get_voice(name: str) -> VoiceEntry | None:
    wanted = (name or "").strip().lower()
    return next((v for v in list_voices() if v.name.lower() == wanted), None) if wanted else None


def find_voice(name: str) -> VoiceSpec | None:
    """The saved or bundled voice called name (case-insensitive) as a VoiceSpec, or None."""
    entry = get_voice(name)
    return entry.spec() if entry is not None else None


def delete_voice(name: str) -> bool:
    """Remove a user voice; built-in voices cannot be deleted (EngineError). False if there is none."""
    entry = get_voice(name)
    if entry is None:
        return False  # the caller says it (VoiceNotFoundError on the command line)
    if entry.builtin:
        raise EngineError(f"{entry.name} is a built-in voice and cannot be deleted.")
    shutil.rmtree(entry.path)
    return True


# -- creating voices ---------------------------------------------------------------------------------------
def _check_new_name(name: str, replace: bool = False) -> str:
    name = vf.check_name(name)
    existing = get_voice(name)
    if existing is not None and (existing.builtin or not replace):
        what = "a built-in voice" if existing.builtin else "another voice"
        raise EngineError(f"The name {existing.name!r} is already used by {what}; choose another name.")
    return name


def _new_folder(name: str) -> Path:
    """A fresh, unique folder under the user's voices (written via a temp folder, then renamed)."""
    root = user_dir()
    base = vf.slug(name)
    candidate, n = root / base, 2
    while candidate.exists():
        candidate, n = root / f"{base}-{n}", n + 1
    return candidate


NAME_LOCK = ".names.lock"
NAME_LOCK_TIMEOUT_S = 30.0


@contextmanager
def _names_locked() -> Iterator[None]:
    """Held while a name is checked or chosen and its folder renamed into place: one voice per name."""
    try:
        with FileLock(str(user_dir() / NAME_LOCK), timeout=NAME_LOCK_TIMEOUT_S):
            yield
    except Timeout:
        raise EngineError("The voices folder is busy (another program is saving a voice); try again.") from None


def _commit(tmp: Path, name: str, replace: bool) -> Path:
    """Move the finished voice in tmp into place under `name`; call with the names lock held."""
    _check_new_name(name, replace)  # taken meanwhile by another window or process?
    old = get_voice(name)
    if old is not None and replace and not old.builtin:
        shutil.rmtree(old.path)
    folder = _new_folder(name)
    tmp.rename(folder)
    return folder


def _meta(name: str, kind: str, origin: str, **fields) -> dict:
    data = {"format": vf.FORMAT, "name": name, "kind": kind, "origin": origin, "created": time.time()}
    data.update({k: v for k, v in fields.items() if v is not None})
    return data


def save_preset_voice(name: str, speaker: str, instruct: str | None = None, *, description: str = "",
                      language: str = "", replace: bool = False) -> VoiceEntry:
    """A preset speaker with a style instruction, saved under its own name."""
    name = _check_new_name(name, replace)
    tmp = Path(tempfile.mkdtemp(prefix=".new-", dir=user_dir()))
    try:
        vf.write_meta(tmp, _meta(name, "preset", "preset", speaker=speaker.lower(), instruct=instruct or None,
                                 description=description or f"{speaker} with: {instruct or 'no instruction'}",
                                 language=language))
        with _names_locked():
            return _entry(_commit(tmp, name, replace), False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _model_meta(engine, hidden_size: int) -> dict:
    """What voice.json records of the model that cloned the voice (info: read from the checkpoint's folder)."""
    info = engine.info
    return {"kind": info.kind, "size": info.size, "model_id": info.model_id, "hidden_size": hidden_size}


def _write_clone(tmp: Path, prepared: PreparedAudio, ref_text: str | None, engine) -> int:
    """Store the cleaned recording and its clone prompt (speaker embedding, and codes in ICL mode); returns the
    model's hidden size, read off the embedding (the engine checks it against its talker): the engine may live
    in another process (reader_app/service), so nothing here touches its model."""
    import soundfile as sf

    from reader_app.tts.clone_prompt import prompt_data, save_clone_prompt

    if getattr(engine, "kind", None) != ModelKind.BASE:  # any object may be handed in: refuse clearly
        raise EngineError("Cloning needs a Base model; choose a Qwen3-TTS Base checkpoint.")
    ref = tmp / "ref.flac"
    sf.write(str(ref), prepared.samples, prepared.sample_rate, subtype="PCM_16")
    prompt = prompt_data(engine.clone_prompt_for(VoiceSpec(kind=VoiceKind.CLONE, ref_audio=str(ref),
                                                           ref_text=ref_text or None)))
    save_clone_prompt(prompt, tmp / vf.PROMPT_FILE)
    return prompt.hidden_size


def clone_voice(name: str, audio: str | Path | np.ndarray, engine, *, sample_rate: int | None = None,
                ref_text: str | None = None, language: str = "", description: str = "", origin: str = "file",
                replace: bool = False) -> tuple[VoiceEntry, list[str]]:
    """Clone from a file or an array (the microphone). Returns the voice and notes about fixes applied.

    With ref_text the prompt uses the transcript (ICL mode, closer likeness); without it only the speaker
    embedding (x-vector mode). Raises VoiceInputError/EngineError with a user-facing message."""
    name = _check_new_name(name, replace)
    ref_text = (ref_text or "").strip() or None
    if isinstance(audio, np.ndarray):
        if not sample_rate:
            raise EngineError("A recorded array needs its sample rate.")
        prepared = prepare_reference(audio, sample_rate, has_transcript=bool(ref_text))
    else:
        prepared = prepare_reference_file(audio, has_transcript=bool(ref_text))
    notes = list(prepared.notes)
    if not ref_text:
        notes.append("No transcript: only the voice's timbre is cloned (x-vector mode).")
    tmp = Path(tempfile.mkdtemp(prefix=".new-", dir=user_dir()))
    try:
        hidden_size = _write_clone(tmp, prepared, ref_text, engine)
        default = f"Cloned from {'a microphone recording' if origin == 'microphone' else Path(str(audio)).name}"
        vf.write_meta(tmp, _meta(name, "clone", origin, description=description or default, language=language,
                                 ref_text=ref_text, model=_model_meta(engine, hidden_size), notes=notes))
        with _names_locked():
            return _entry(_commit(tmp, name, replace), False), notes
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def save_designed_voice(name: str, description: str, *, preview=None, sample_text: str | None = None,
                        language: str = "", clone_engine=None, replace: bool = False) -> tuple[VoiceEntry, list[str]]:
    """Save a voice designed from a description.

    With a preview (AudioClip or (samples, rate)) and a Base clone_engine, the preview becomes the reference of
    a cloned voice ("design then clone"), so the narrator sounds the same in every sentence. Otherwise the
    description alone is saved and a VoiceDesign model re-interprets it each time."""
    name = _check_new_name(name, replace)
    description = (description or "").strip()
    if not description:
        raise EngineError("Describe the voice first (for example: 'a calm, deep male narrator').")
    notes: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix=".new-", dir=user_dir()))
    try:
        fields = dict(description=description, language=language, design_description=description)
        if preview is not None and clone_engine is not None:
            samples, rate = (preview.samples, preview.sample_rate) if hasattr(preview, "samples") else preview
            text = (sample_text or "").strip() or None
            prepared = prepare_reference(np.asarray(samples), int(rate), has_transcript=bool(text))
            notes.extend(prepared.notes)
            hidden_size = _write_clone(tmp, prepared, text, clone_engine)
            vf.write_meta(tmp, _meta(name, "clone", "design", ref_text=text, sample_text=text,
                                     model=_model_meta(clone_engine, hidden_size), notes=notes, **fields))
        else:
            if preview is not None:
                notes.append("Saved the description only: choose a Base model to fix the voice from the preview.")
            vf.write_meta(tmp, _meta(name, "design", "design", notes=notes, **fields))
        with _names_locked():
            return _entry(_commit(tmp, name, replace), False), notes
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- previews and sharing ----------------------------------------------------------------------------------
def sample_sentence(language: str = "auto") -> str:
    return SAMPLE_SENTENCES.get((language or "auto").lower(), SAMPLE_SENTENCES["english"])


def preview(engine, voice: VoiceSpec | VoiceEntry | str, language: str = "auto", text: str | None = None):
    """Say a sample sentence (or text) in the voice; returns an AudioClip. Runs the model: call off the GUI."""
    if isinstance(voice, str):
        entry = get_voice(voice)
        if entry is None:
            raise VoiceNotFoundError(f"There is no voice called {voice!r}.")
        voice = entry
    if isinstance(voice, VoiceEntry):
        if voice.model_kind != getattr(engine, "kind", voice.model_kind):
            raise EngineError(f"{voice.name} needs a {voice.model_kind} model; the loaded one is {engine.kind}.")
        voice = voice.spec()
    text = (text or "").strip() or sample_sentence(language)
    return engine.synthesize([SynthesisRequest(text=text, voice=voice, language=language or "auto")])[0]


def export_voice(name: str, file: str | Path) -> Path:
    from reader_app.voices.archive import write_archive

    entry = get_voice(name)
    if entry is None:
        raise VoiceNotFoundError(f"There is no voice called {name!r}.")
    return write_archive(entry.path, Path(file).expanduser())


def import_voice(file: str | Path, name: str | None = None) -> VoiceEntry:
    """Import a .voice archive, validated strictly; a clashing name gets a numbered suffix."""
    from reader_app.voices.archive import read_archive

    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=user_dir()))
    try:
        meta = read_archive(Path(file).expanduser(), tmp)
        wanted = vf.check_name(name or meta["name"])
        with _names_locked():  # two imports of one file at once get "Name" and "Name (2)"
            final, n = wanted, 2
            while get_voice(final) is not None:
                final, n = f"{wanted[: vf.MAX_NAME - 5]} ({n})", n + 1
            meta.update(name=final, created=time.time())
            if meta.get("origin") == "preset":
                meta["origin"] = "import"
            vf.write_meta(tmp, meta)
            return _entry(_commit(tmp, final, False), False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


__all__ = ["VoiceEntry", "list_voices", "get_voice", "find_voice", "delete_voice", "save_preset_voice",
           "clone_voice", "save_designed_voice", "preview", "sample_sentence", "export_voice", "import_voice",
           "SAMPLE_RATE"]
