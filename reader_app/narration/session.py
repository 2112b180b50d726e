"""Turns settings + a model folder + a book into what the narrator needs, without loading the model.

Cache keys depend on the model's fingerprint and the voice, both derived from files here, so cached audio
plays with no GPU, no torch import and even no model folder at all (only its fingerprint is remembered).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

from reader_app.books.model import Book
from reader_app.models.catalog import ModelInfo
from reader_app.narration.config import NarrationConfig
from reader_app.narration.rendering import StudioChoices
from reader_app.settings import Settings
from reader_app.store.characters import voiced_lines_at
from reader_app.store.lexicon_store import book_lexicon
from reader_app.store.library import Library
from reader_app.store.takes import kept_takes_at
from reader_app.tts.engine import EngineError, ModelKind, VoiceKind, VoiceSpec
from reader_app.voices.compat import check_voice_for_model, mismatch
from reader_app.voices.library import DEFAULT_DESIGN_DESCRIPTION, VoiceNotFoundError, find_voice

log = logging.getLogger(__name__)


def resolve_voice(model: ModelInfo, name: str = "") -> VoiceSpec:
    """The voice to narrate with: a preset speaker for CustomVoice models, the default narrator description for
    VoiceDesign models, a saved voice for Base models. A saved voice of another kind than the model speaks is
    refused (VoiceModelMismatch), an unknown name too (VoiceNotFoundError): both are EngineErrors."""
    if name:
        saved = find_voice(name)
        if saved is not None:
            check_voice_for_model(saved.kind, model.kind, name)
            return saved
    if model.kind == ModelKind.CUSTOM_VOICE:
        speakers = list(model.speakers)
        if name and name.lower() not in speakers:
            raise VoiceNotFoundError(f"Unknown voice {name!r}: this model's preset speakers are "
                                     f"{', '.join(speakers)}.")
        return VoiceSpec(kind=VoiceKind.PRESET, speaker=name.lower() if name else speakers[0])
    if name:
        raise VoiceNotFoundError(f"There is no voice called {name!r}.")
    if model.kind == ModelKind.VOICE_DESIGN:
        return VoiceSpec(kind=VoiceKind.DESIGN, description=DEFAULT_DESIGN_DESCRIPTION)
    raise EngineError("This is a Base (voice cloning) model: clone a voice first "
                      "(reader-app voices clone ...), then choose it.")


@dataclass(frozen=True)
class VoiceChoice:
    """The voice narration uses for a book: the one asked for, or the model's default and why not."""

    voice: VoiceSpec
    name: str  # the name as the voice chooser lists it ("" for the model's default description)
    problem: str | None = None  # why the voice asked for is not used (a wrong kind, an unknown name)


def choose_voice(model: ModelInfo, name: str = "") -> VoiceChoice:
    """resolve_voice(model, name), falling back to the model's default voice with the reason when the name
    cannot be used. EngineError only when the model has no default (a Base model without a saved voice)."""
    try:
        return VoiceChoice(resolve_voice(model, name), name)
    except EngineError as exc:
        if not name:
            raise
        problem = str(exc)
    voice = resolve_voice(model, "")
    return VoiceChoice(voice, voice.speaker or "", problem)


def narration_config(settings: Settings, book: Book, model_id: str, voice: VoiceSpec,
                     engine_settings: dict | None = None) -> NarrationConfig:
    return NarrationConfig(voice=voice, model_id=model_id, engine_settings=dict(engine_settings or {}),
                           language=book.tts_language, lookahead_s=settings.lookahead_s,
                           batch_size=settings.batch_size, pause_sentence_s=settings.pause_sentence_s,
                           pause_paragraph_s=settings.pause_paragraph_s, pause_chapter_s=settings.pause_chapter_s,
                           speed=settings.speed, volume=settings.volume)


def model_path_or_none(settings: Settings) -> Path | None:
    """$READER_APP_MODEL, else the saved setting (reader_app.models.catalog decides; no torch import)."""
    from reader_app.models.catalog import configured_model_path

    return configured_model_path(settings.model_path)


def book_narration_config(settings: Settings, library: Library, book: Book, model: ModelInfo | None,
                          voice_name: str | None = None,
                          engine_settings: dict | None = None) -> NarrationConfig:
    """With a model (a ModelInfo): its fingerprint, the chosen voice and the engine options that change the
    audio (sampling, seed), remembered per book. Without one (None): what the book was last narrated with, so
    its cached audio still plays. The model's own generation defaults are part of its fingerprint."""
    book_id = book.fingerprint
    if voice_name is None:
        voice_name = library.book_setting(book_id, "voice_name", settings.voice) or ""
    if model is not None:
        choice = choose_voice(model, voice_name)
        if choice.problem is not None:  # the window and the command line say it (VoiceChoice.problem)
            log.info("%s", choice.problem)
        voice = choice.voice
        library.set_book_setting(book_id, "model_id", model.model_id)
        library.set_book_setting(book_id, "voice", dataclasses.asdict(voice))
        library.set_book_setting(book_id, "engine_settings", dict(engine_settings or {}))
        config = narration_config(settings, book, model.model_id, voice, engine_settings)
    else:
        saved_voice = library.book_setting(book_id, "voice")
        voice = VoiceSpec(**saved_voice) if isinstance(saved_voice, dict) else VoiceSpec()
        config = narration_config(settings, book, library.book_setting(book_id, "model_id", "none"), voice,
                                  library.book_setting(book_id, "engine_settings", {}))
    return dataclasses.replace(config, studio=studio_choices(library, book_id, model, config.voice))


def studio_choices(library: Library, book_id: str, model: ModelInfo | None, narrator: VoiceSpec) -> StudioChoices:
    """The narrator's studio for a book (narration/rendering.py): its kept takes, the global and its own lexicon,
    its characters' voices. Every config that narrates a book takes them from here (the window, the command
    line, the generation queue), so all of them key its clips alike."""
    cache_path = library.cache_path(book_id)
    return StudioChoices(lexicon=book_lexicon(library.data_dir, cache_path),
                         character_voices=character_voices(cache_path, model, narrator),
                         takes=kept_takes_at(cache_path))


def character_voices(cache_path: Path, model: ModelInfo | None, narrator: VoiceSpec) -> dict[str, VoiceSpec]:
    """Sentence id -> the voice of the character who speaks it (store/characters.py), each voice name resolved
    in the voice library once; a voice that is gone or does not fit the model leaves that character's lines to
    the narrator, with a notice (the one check: voices/compat.py)."""
    specs: dict[str, VoiceSpec | None] = {}
    out: dict[str, VoiceSpec] = {}
    for sentence_id, name in voiced_lines_at(cache_path).items():
        if name not in specs:
            spec = find_voice(name)
            problem = None if spec is not None else f"there is no voice called {name!r}"
            if spec is not None and model is not None:
                problem = mismatch(spec.kind, model.kind, name)
            if problem is not None:
                log.warning("A character's voice is not used (%s); the narrator reads their lines.", problem)
            specs[name] = spec if problem is None else None
        spec = specs[name]
        if spec is not None and spec != narrator:
            out[sentence_id] = spec
    return out
