"""NarrationPlan without threads: keys, pauses, readiness, skipped sentences and what a new plan takes over."""

import pytest

from reader_app.narration.plan import Boundary, NarrationPlan
from reader_app.narration.scheduler import Scheduler
from reader_app.store.clip_key import ClipKey
from reader_app.tts.engine import VoiceSpec
from tests.support.books import make_book
from tests.support.narration import config


@pytest.fixture
def sentences():
    return make_book([
        [["One fish.", "Two fish."], ["Red fish.", "Blue fish."]],
        [["A second chapter begins.", "Two fish."], ["It ends here."]],
    ]).sentences()


def nothing_cached(keys):
    return set()


def test_keys_follow_the_config_and_identical_texts_share_a_digest(sentences):
    cfg = config(language="English", engine_settings={"seed": 7})
    plan = NarrationPlan(sentences, cfg, nothing_cached)
    assert len(plan) == 7
    assert plan.key(2) == ClipKey.build("Red fish.", cfg.voice.voice_id, "m1", "English", {"seed": 7})
    assert [item.index for item in plan.items] == list(range(7))
    assert plan.items[1].digest == plan.items[5].digest  # "Two fish." twice
    other = NarrationPlan(sentences, config(voice=VoiceSpec(speaker="vivian")), nothing_cached)
    assert other.items[0].digest != plan.items[0].digest


def test_the_pause_after_each_sentence_follows_paragraphs_and_chapters(sentences):
    plan = NarrationPlan(sentences, config(), nothing_cached)
    assert plan.boundaries == (Boundary.SENTENCE, Boundary.PARAGRAPH, Boundary.SENTENCE, Boundary.CHAPTER,
                               Boundary.SENTENCE, Boundary.PARAGRAPH, Boundary.CHAPTER)
    assert [plan.pause_after(i) for i in range(7)] == [0.1, 0.2, 0.1, 0.5, 0.1, 0.2, 0.5]


def test_readiness_starts_from_the_store_and_counts_known_seconds_without_a_gap(sentences):
    asked = []

    def cached(keys):
        asked.append(list(keys))
        return {keys[0].digest, keys[1].digest, keys[3].digest}

    plan = NarrationPlan(sentences, config(), cached)
    assert len(asked) == 1 and len(asked[0]) == 7  # one question to the store, for every key
    assert [plan.is_ready(i) for i in range(7)] == [True, True, False, True, False, True, False]  # 5 shares 1
    assert plan.ready_ahead_s(0) == 0.0  # cached, lengths unknown until decoded
    assert plan.duration_of(plan.items[0].digest) is None
    assert plan.mark_ready(plan.items[0].digest, 1.5) == [0]
    assert plan.mark_ready(plan.items[1].digest, 0.5) == [1, 5]  # every sentence that shares the clip
    assert plan.ready_ahead_s(0) == 2.0 and plan.ready_ahead_s(1) == 0.5  # stops at sentence 2, not cached
    assert plan.ready_ahead_s(2) == 0.0
    assert plan.duration_of(plan.items[5].digest) == 0.5
    plan.mark_missing(plan.items[1].digest)  # evicted meanwhile
    assert not plan.is_ready(1) and not plan.is_ready(5) and plan.ready_ahead_s(0) == 1.5


def test_a_digest_of_another_plan_changes_nothing(sentences):
    plan = NarrationPlan(sentences, config(), nothing_cached)
    stale = NarrationPlan(sentences, config(voice=VoiceSpec(speaker="vivian")), nothing_cached)
    assert plan.mark_ready(stale.items[0].digest, 1.0) == []
    assert not any(plan.is_ready(i) for i in range(7))


def test_skipped_sentences_are_passed_over_and_left_out_of_batches(sentences):
    plan = NarrationPlan(sentences, config(), nothing_cached)
    plan.skip(2)
    plan.skip(3)
    assert plan.is_skipped(2) and not plan.is_skipped(4)
    assert plan.first_playable(2) == 4 and plan.first_playable(0) == 0
    plan.skip(6)
    assert plan.first_playable(6) == 7  # nothing left: the end
    scheduler = Scheduler(lookahead_s=1000, batch_size=8)
    assert plan.next_batch(scheduler, 0, set()) == [0]  # the cursor alone first
    plan.mark_ready(plan.items[0].digest, 1.0)
    assert plan.next_batch(scheduler, 0, {plan.items[1].digest}) == [4]  # 1 in flight, 2 and 3 skipped


def test_a_new_plan_takes_over_what_the_old_one_knew_of_shared_clips(sentences):
    old = NarrationPlan(sentences, config(), nothing_cached)
    old.mark_ready(old.items[0].digest, 1.25)
    same_voice = NarrationPlan(sentences, config(volume=0.5), nothing_cached)  # the same keys
    same_voice.learn_from(old)
    assert same_voice.is_ready(0) and same_voice.ready_ahead_s(0) == 1.25
    other_voice = NarrationPlan(sentences, config(voice=VoiceSpec(speaker="vivian")), nothing_cached)
    other_voice.learn_from(old)
    assert not other_voice.is_ready(0)


def test_an_empty_book_has_nothing_to_schedule():
    plan = NarrationPlan([], config(), nothing_cached)
    assert len(plan) == 0 and plan.next_batch(Scheduler(), 0, set()) == [] and plan.ready_ahead_s(0) == 0.0
