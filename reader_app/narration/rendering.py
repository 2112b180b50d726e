"""How each sentence is rendered for narration: the text the model reads, the voice that reads it, and the take
that is kept.

The narrator's studio changes these per sentence (a pronunciation lexicon rewrites the text, a character's voice
reads its lines, a regenerated take replaces a clip). Everything that keys or requests a clip (the narration
plan, pregeneration, export, the listening timeline) asks a Renderer, so all of them key and request each clip
the same way. With no studio choices a sentence renders as its own text in the narrator's voice, take 0, and its
clip key is what it always was (cached audio stays valid).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from reader_app.store.clip_key import ClipKey
from reader_app.tts.engine import SpeechEngine, SynthesisRequest, VoiceSpec
from reader_app.voices.compat import engine_mismatch

if TYPE_CHECKING:
    from reader_app.books.model import Sentence
    from reader_app.narration.config import NarrationConfig

# The clip-key setting that tells takes apart; absent for take 0, so the first take keeps its old key.
TAKE_SETTING = "take"


class TextRewriter(Protocol):
    """What the model reads instead of the book's text (the pronunciation lexicon). Two rewriters that rewrite
    alike compare equal, so a configuration that did not change is seen as unchanged."""

    def rewrite(self, text: str, language: str) -> str: ...


@dataclass(frozen=True)
class StudioChoices:
    """The per-sentence choices of the narrator's studio, all keyed by stable sentence ids (Sentence.id)."""

    lexicon: TextRewriter | None = None
    character_voices: Mapping[str, VoiceSpec] = field(default_factory=dict)  # sentence id -> its speaker's voice
    takes: Mapping[str, int] = field(default_factory=dict)  # sentence id -> the take kept (absent: 0)


@dataclass(frozen=True)
class Rendering:
    text: str  # what the model reads: the book's text after the lexicon
    voice: VoiceSpec  # the narrator's, or the voice of the character who speaks the sentence
    take: int = 0  # 0: the first take; a regenerated one counts up (its own clip key and draw)


class Renderer:
    """Renders sentences for one NarrationConfig. Voice fingerprints are computed once per voice (one may hash a
    clone's files)."""

    def __init__(self, config: NarrationConfig) -> None:
        self.config = config
        self._voice_ids: dict[VoiceSpec, str] = {}

    def render(self, sentence: Sentence) -> Rendering:
        studio = self.config.studio
        text = sentence.text
        if studio.lexicon is not None:
            text = studio.lexicon.rewrite(text, self.config.language)
        voice = studio.character_voices.get(sentence.id, self.config.voice)
        return Rendering(text, voice, studio.takes.get(sentence.id, 0))

    def key(self, rendering: Rendering) -> ClipKey:
        config = self.config
        settings = config.engine_settings
        if rendering.take:
            settings = {**settings, TAKE_SETTING: rendering.take}
        return ClipKey.build(rendering.text, self.voice_id(rendering.voice), config.model_id, config.language,
                             settings)

    def request(self, rendering: Rendering) -> SynthesisRequest:
        return SynthesisRequest(rendering.text, rendering.voice, self.config.language, rendering.take)

    def voice_id(self, voice: VoiceSpec) -> str:
        known = self._voice_ids.get(voice)
        if known is None:
            known = self._voice_ids[voice] = voice.voice_id
        return known

    def voices(self) -> set[VoiceSpec]:
        """Every voice this configuration narrates with: the narrator's and the characters'."""
        return {self.config.voice, *self.config.studio.character_voices.values()}

    def engine_problem(self, engine: SpeechEngine) -> str | None:
        """Why the engine cannot speak one of this configuration's voices (voices/compat.py), else None."""
        return next(filter(None, (engine_mismatch(voice.kind, engine) for voice in self.voices())), None)
