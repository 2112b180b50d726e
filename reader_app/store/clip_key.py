"""What determines a clip's audio, hashed: the cache key of every generated sentence.

A clip is keyed by the sentence text, the voice, the model and the generation settings, so a voice or model
change never serves the wrong audio, and the same sentence said twice in a book is generated once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ClipKey:
    text: str
    voice_id: str  # fingerprint of the voice (preset + instruction, design description, clone prompt)
    model_id: str  # fingerprint of the checkpoint (kind, size, weights identity)
    language: str = "auto"
    settings: tuple[tuple[str, Any], ...] = field(default_factory=tuple)  # sorted generation settings

    @classmethod
    def build(cls, text: str, voice_id: str, model_id: str, language: str = "auto",
              settings: dict[str, Any] | None = None) -> ClipKey:
        return cls(text, voice_id, model_id, language, tuple(sorted((settings or {}).items())))

    @property
    def digest(self) -> str:
        payload = json.dumps([self.text, self.voice_id, self.model_id, self.language, list(self.settings)],
                             ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
