"""The rendering seam: without studio choices every clip key is what it always was; a lexicon, a character voice
or a kept take changes exactly the sentences it touches, and the plan and pregeneration agree on keys and
requests."""

from __future__ import annotations

from dataclasses import dataclass, replace

from reader_app.narration.config import NarrationConfig
from reader_app.narration.plan import NarrationPlan
from reader_app.narration.pregen import Pregenerator
from reader_app.narration.rendering import TAKE_SETTING, StudioChoices
from reader_app.store.clip_key import ClipKey
from reader_app.tts.engine import VoiceSpec
from tests.support.books import make_book

NARRATOR = VoiceSpec(speaker="ryan")
ALICE = VoiceSpec(speaker="vivian", instruct="bright")


@dataclass(frozen=True)
class Replace:
    word: str
    spoken: str

    def rewrite(self, text: str, language: str) -> str:
        return text.replace(self.word, self.spoken)


def _config(**studio) -> NarrationConfig:
    return NarrationConfig(voice=NARRATOR, model_id="m1", engine_settings={"seed": 0}, language="English",
                           studio=StudioChoices(**studio))


def _book():
    return make_book([[["Gandalf came.", "He sat."], ["Gandalf left."]], [["Night fell."]]])


def _plan(config: NarrationConfig) -> NarrationPlan:
    return NarrationPlan(_book().sentences(), config, lambda _keys: set())


def test_without_studio_choices_keys_are_unchanged():
    plan = _plan(_config())
    expected = [ClipKey.build(s.text, NARRATOR.voice_id, "m1", "English", {"seed": 0}) for s in _book().sentences()]
    assert list(plan.keys) == expected
    assert [plan.request(i).voice for i in range(len(plan))] == [NARRATOR] * 4


def test_a_lexicon_changes_exactly_the_sentences_it_rewrites():
    plain, lexical = _plan(_config()), _plan(_config(lexicon=Replace("Gandalf", "Gan-dalf")))
    changed = [i for i in range(len(plain)) if plain.keys[i].digest != lexical.keys[i].digest]
    assert changed == [0, 2]
    assert lexical.request(0).text == "Gan-dalf came." and lexical.items[0].text == "Gan-dalf came."


def test_a_character_voice_reads_its_lines_and_keys_them_apart():
    book = _book()
    line = book.sentences()[1].id
    plain, voiced = _plan(_config()), _plan(_config(character_voices={line: ALICE}))
    assert voiced.request(1).voice == ALICE and voiced.request(0).voice == NARRATOR
    assert [i for i in range(4) if plain.keys[i] != voiced.keys[i]] == [1]


def test_a_kept_take_has_its_own_key_and_take_zero_keeps_the_old_one():
    book = _book()
    first = book.sentences()[0].id
    plain = _plan(_config())
    again = _plan(_config(takes={first: 0}))
    second = _plan(_config(takes={first: 2}))
    assert again.keys == plain.keys
    assert second.keys[0] != plain.keys[0] and second.keys[1:] == plain.keys[1:]
    assert dict(second.keys[0].settings)[TAKE_SETTING] == 2


class _NoCache:
    path = None

    def cached_digests(self, keys):
        return set()


def test_pregeneration_keys_and_asks_as_the_plan_does():
    book = _book()
    config = _config(lexicon=Replace("Night", "Nite"), character_voices={book.sentences()[1].id: ALICE},
                     takes={book.sentences()[0].id: 1})
    plan = NarrationPlan(book.sentences(), config, lambda _keys: set())
    pregen = Pregenerator(book, _NoCache(), config, engine_provider=lambda: None, claims=object())
    keys = pregen.keys(range(len(book.chapters)))
    assert [k.digest for k in keys] == [k.digest for k in plan.keys]
    assert [pregen._requests[k.digest] for k in keys] == [plan.request(i) for i in range(len(plan))]


def test_an_unchanged_config_compares_equal():
    lexicon = Replace("a", "b")
    assert _config(lexicon=lexicon) == replace(_config(lexicon=Replace("a", "b")))
