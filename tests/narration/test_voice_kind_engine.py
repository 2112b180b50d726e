"""A narrator or pregeneration handed a voice its engine's model cannot speak (however the config came about)
says so once when the engine loads and tries no sentence, instead of retrying and skipping every one."""

from __future__ import annotations

import io

import pytest

from reader_app.narration.config import NarrationState
from reader_app.narration.pregen import Pregenerator, ProgressBar
from reader_app.store import BookCache
from reader_app.tts.engine import VoiceKind, VoiceSpec
from tests.support.books import make_book
from tests.support.engines import ToneEngine
from tests.support.narration import Recorder, config, play_to_end

DESIGNED = VoiceSpec(kind=VoiceKind.DESIGN, description="A calm narrator.")


class CustomVoiceTones(ToneEngine):
    """A tone engine that says what a Qwen engine says: its checkpoint's kind."""

    kind = "custom_voice"


@pytest.fixture
def book():
    return make_book(n_chapters=2, per_chapter=3)


def test_the_narrator_says_it_once_tries_nothing_and_ends(book, make_narrator):
    engine, rec = CustomVoiceTones(), Recorder()
    narrator, _cache, out = make_narrator(book, engine, rec, voice=DESIGNED)
    assert play_to_end(narrator, out)
    assert engine.calls == []  # no sentence was sent to a model that cannot speak the voice
    assert len(rec.errors) == 1 and "(designed) needs a VoiceDesign model; this model is CustomVoice" in rec.errors[0]
    assert sorted(rec.skipped) == list(range(book.sentence_count())) and narrator.state is NarrationState.FINISHED


def test_a_fitting_voice_plays(book, make_narrator):
    engine, rec = CustomVoiceTones(), Recorder()
    narrator, _cache, out = make_narrator(book, engine, rec)  # the kit's default voice: a preset speaker
    assert play_to_end(narrator, out)
    assert rec.errors == [] and rec.started == list(range(book.sentence_count()))


def test_pregeneration_ends_with_the_reason(book, tmp_path):
    engine = CustomVoiceTones()
    with BookCache(tmp_path / "book.db") as cache:
        cache.sync_sentences(book)
        result = Pregenerator(book, cache, config(voice=DESIGNED), lambda: engine).run(range(2))
    assert engine.calls == [] and result.generated == 0
    assert result.error is not None and "needs a VoiceDesign model" in result.error


def test_pregeneration_says_why_sentences_failed(book, tmp_path):
    texts = {s.text for s in book.sentences()}
    engine = ToneEngine(fail_on=texts)  # every sentence fails: the count comes with the first reason
    with BookCache(tmp_path / "book.db") as cache:
        cache.sync_sentences(book)
        result = Pregenerator(book, cache, config(), lambda: engine).run(range(2))
    assert result.failed == len(texts) and result.failure is not None and "cannot say" in result.failure
    stream = io.StringIO()
    ProgressBar(stream).finish(result)
    assert f"{len(texts)} failed (first: cannot say" in stream.getvalue()
