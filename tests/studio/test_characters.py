"""Speakers and character voices in the book's cache: they survive reopening and a rebuild, the reader's
corrections survive a new detection, and a character's voice changes exactly that character's clip keys."""

from __future__ import annotations

import pytest

from reader_app.narration.config import NarrationConfig
from reader_app.narration.plan import NarrationPlan
from reader_app.narration.rendering import StudioChoices
from reader_app.narration.session import character_voices
from reader_app.store.book_cache import BookCache
from reader_app.store.characters import SpeakerSource
from reader_app.store.repair import RepairReport, _rebuild
from reader_app.studio import cast
from reader_app.tts.engine import VoiceKind, VoiceSpec
from tests.support.books import make_book

BOOK = make_book([[["The kitchen was cold."], ["“Tea?” asked Alice."], ["“Please,” said Bob."],
                   ["“Milk?”"], ["“No, thank you,” Bob replied."], ["Alice poured it."]]])
NARRATOR = VoiceSpec(VoiceKind.PRESET, speaker="ryan")


@pytest.fixture
def cache_path(tmp_path):
    path = tmp_path / "book.db"
    with BookCache(path, book_id=BOOK.fingerprint) as cache:
        cache.sync_sentences(BOOK)
        cast.detect(BOOK, cache)
    return path


def ids(*indices: int) -> list[str]:
    sentences = BOOK.sentences()
    return [sentences[i].id for i in indices]


def test_detection_is_cached_and_corrections_and_voices_survive_reopening_and_refresh(cache_path):
    with BookCache(cache_path) as cache:
        assert cache.characters.detected()
        assert not cast.detect(BOOK, cache)  # a re-run reads the cache
        assert {m.name: m.lines for m in cast.cast(cache)} == {"Alice": 2, "Bob": 2}
        cache.characters.set_speaker(ids(3)[0], "Bob")  # the reader: "Milk?" is Bob's
        cache.characters.assign("Alice", "Vivian")
    with BookCache(cache_path) as cache:
        assert cast.detect(BOOK, cache, refresh=True)
        lines = cache.characters.lines()
        assert lines[ids(3)[0]].speaker == "Bob" and lines[ids(3)[0]].source is SpeakerSource.READER
        assert cache.characters.voices() == {"Alice": "Vivian"}
        assert {m.name: (m.lines, m.voice) for m in cast.cast(cache)} == {"Alice": (1, "Vivian"), "Bob": (3, None)}


def test_a_rebuilt_cache_keeps_the_speakers_and_voices(cache_path, tmp_path):
    with BookCache(cache_path) as cache:
        cache.characters.set_speaker(ids(1)[0], "Alicia")
        cache.characters.assign("Bob", "Ryan")
        before = cache.characters.lines()
    _rebuild(cache_path, BOOK.fingerprint, RepairReport(cache_path))
    with BookCache(cache_path) as cache:
        assert cache.characters.lines() == before
        assert cache.characters.voices() == {"Bob": "Ryan"}


def test_session_resolves_character_voices_and_refuses_a_missing_one(cache_path, caplog):
    with BookCache(cache_path) as cache:
        cache.characters.assign("Alice", "Vivian")  # a bundled preset
        cache.characters.assign("Bob", "Nobody Here")
    voices = character_voices(cache_path, None, NARRATOR)
    alice = [s for s, line in _lines(cache_path).items() if line == "Alice"]
    assert set(voices) == set(alice) and {v.speaker for v in voices.values()} == {"vivian"}
    assert "no voice called 'Nobody Here'" in caplog.text


def _lines(cache_path):
    with BookCache(cache_path) as cache:
        return {sid: line.speaker for sid, line in cache.characters.lines().items()}


def plan_keys(studio: StudioChoices) -> list[str]:
    config = NarrationConfig(voice=NARRATOR, model_id="m", language="English", studio=studio)
    return [key.digest for key in NarrationPlan(BOOK.sentences(), config, lambda _keys: set()).keys]


def test_changing_a_characters_voice_changes_exactly_that_characters_clip_keys(cache_path):
    plain = plan_keys(StudioChoices())
    with BookCache(cache_path) as cache:
        cache.characters.assign("Alice", "Vivian")
    alice_voiced = plan_keys(StudioChoices(character_voices=character_voices(cache_path, None, NARRATOR)))
    with BookCache(cache_path) as cache:
        cache.characters.assign("Alice", "Serena")
        cache.characters.assign("Bob", "Aiden")
    both = plan_keys(StudioChoices(character_voices=character_voices(cache_path, None, NARRATOR)))
    alice, bob = ids(1, 3), ids(2, 4)
    all_ids = [s.id for s in BOOK.sentences()]
    changed = {all_ids[i] for i, (a, b) in enumerate(zip(plain, alice_voiced, strict=True)) if a != b}
    assert changed == set(alice)
    changed = {all_ids[i] for i, (a, b) in enumerate(zip(alice_voiced, both, strict=True)) if a != b}
    assert changed == set(alice) | set(bob)
    narration = [all_ids.index(i) for i in ids(0, 5)]
    assert [both[i] for i in narration] == [plain[i] for i in narration]  # the narrator's lines keep their clips
