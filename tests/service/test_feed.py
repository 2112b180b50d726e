"""The continuous feed: JobFeed's queue rules, and the fast engine admitting requests while it decodes."""

from __future__ import annotations

import threading

import pytest

from reader_app.service.feed import JobFeed, Place
from reader_app.service.process_engine import ProcessEngine
from reader_app.service.protocol import EngineSpec
from reader_app.tts.engine import EngineError, SynthesisRequest, VoiceKind, VoiceSpec


def request(text: str, priority: int = 0) -> SynthesisRequest:
    return SynthesisRequest(text, VoiceSpec(), priority=priority)


def test_the_most_urgent_request_starts_first_then_arrival_order():
    feed = JobFeed(lambda job, error: None)
    feed.add(1, [request("ahead one", 5), request("ahead two", 5)])
    feed.add(2, [request("the cursor", 0)])
    taken = feed.take(3)
    assert [r.text for _, r in taken] == ["the cursor", "ahead one", "ahead two"]
    assert [feed.place(k) for k, _ in taken] == [Place(2, 0), Place(1, 0), Place(1, 1)]
    assert feed.take(3) == []


def test_a_cancelled_job_is_dropped_while_waiting_and_stopped_once_started():
    feed = JobFeed(lambda job, error: None)
    feed.add(1, [request("a"), request("b"), request("c")])
    feed.add(2, [request("d")])
    (started, _), = feed.take(1)
    feed.cancel(1)
    assert feed.stops() == [started] and feed.place(started) is None  # its late audio is dropped
    assert [r.text for _, r in feed.take(5)] == ["d"]  # b and c never start
    assert feed.finished(started) is False  # a cancelled job is not reported done
    assert feed.stops() == []


def test_a_job_is_done_when_its_last_request_ends_and_a_failure_ends_the_job():
    failures: list[tuple[int, str]] = []
    feed = JobFeed(lambda job, error: failures.append((job, str(error))))
    feed.add(1, [request("a"), request("b")])
    feed.add(2, [request("c"), request("d")])
    keys = dict((r.text, k) for k, r in feed.take(4))
    assert feed.finished(keys["a"]) is False and feed.finished(keys["b"]) is True
    feed.fail(keys["c"], EngineError("no such speaker"))
    assert failures == [(2, "no such speaker")] and feed.stops() == [keys["d"]]
    assert not feed.has_waiting()


def test_held_hands_out_nothing():
    feed = JobFeed(lambda job, error: None)
    feed.add(1, [request("a")])
    feed.held = True
    assert feed.take(1) == [] and feed.has_waiting()
    feed.held = False
    assert len(feed.take(1)) == 1


def test_the_fast_engine_admits_a_request_that_arrives_while_it_decodes(tiny_custom_voice):
    from reader_app.tts.fast import load_fast_engine

    engine = load_fast_engine(str(tiny_custom_voice), device="cpu", threads=1, max_frames=40, max_batch=4)
    feed = JobFeed(lambda job, error: None)
    feed.add(1, [request("The first long sentence of a chapter."), request("The second long sentence.")])
    order: list[tuple[int, bool]] = []
    for event in engine.synthesize_feed(feed):
        place = feed.place(event.index)
        assert place is not None
        order.append((place.job, event.is_last))
        if len(order) == 1:
            feed.add(2, [request("Arrives late.")])
        if event.is_last:
            feed.finished(event.index)
    ends = [job for job, last in order if last]
    assert sorted(ends) == [1, 1, 2]
    first_of_late = next(i for i, (job, _) in enumerate(order) if job == 2)
    last_of_first = max(i for i, (job, last) in enumerate(order) if job == 1 and last)
    assert first_of_late < last_of_first  # it joined the running batch instead of waiting for it to end


def test_a_bad_request_fails_alone_in_the_feed(tiny_custom_voice):
    from reader_app.tts.fast import load_fast_engine

    engine = load_fast_engine(str(tiny_custom_voice), device="cpu", threads=1, max_frames=8)
    failures: list[int] = []
    feed = JobFeed(lambda job, error: failures.append(job))
    feed.add(1, [SynthesisRequest("Hello.", VoiceSpec(kind=VoiceKind.DESIGN, description="Deep."))])
    feed.add(2, [request("Hello.")])
    done = []
    for event in engine.synthesize_feed(feed):
        place = feed.place(event.index)
        if event.is_last and feed.finished(event.index):
            done.append(place.job)
    assert failures == [1] and done == [2]


@pytest.fixture(scope="module")
def narrow_engine(tiny_custom_voice):
    engine = ProcessEngine(EngineSpec("fast", str(tiny_custom_voice), "cpu", "auto", 1,
                                      {"max_frames": 24, "max_batch": 2})).start()
    yield engine
    engine.close()


def test_in_the_engine_process_the_sentence_being_heard_overtakes_pregeneration(narrow_engine):
    """Two slots, eight pregeneration sentences queued: the narrator's one, asked later, is not last."""
    ahead = [request(f"Sentence number {i} of the chapter ahead.", priority=10) for i in range(8)]
    finished: list[str] = []
    first_event = threading.Event()

    def pregenerate() -> None:
        for event in narrow_engine.synthesize_stream(ahead):
            first_event.set()
            if event.is_last:
                finished.append(f"ahead {event.index}")

    worker = threading.Thread(target=pregenerate)
    worker.start()
    assert first_event.wait(60)
    narrow_engine.synthesize([request("The sentence being heard.", priority=0)])
    finished.append("heard")
    worker.join(120)
    assert len(finished) == 9
    assert finished.index("heard") < 6  # with first-come order it would end last, after all eight
