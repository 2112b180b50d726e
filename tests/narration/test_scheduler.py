from reader_app.narration.scheduler import PlannedSentence, Scheduler, estimate_seconds


def plan(texts):
    return [PlannedSentence(i, f"d{t}", t) for i, t in enumerate(texts)]


def test_cursor_sentence_goes_first_and_alone():
    items = plan([f"s{i}" * 10 for i in range(10)])
    batch = Scheduler(lookahead_s=100, batch_size=4).next_batch(items, 3, lambda d: False, set(), set(), lambda d: None)
    assert batch == [3]


def test_window_fills_ahead_in_order_in_batches_and_skips_ready_and_in_flight():
    items = plan([f"sentence number {i} " * 3 for i in range(20)])
    ready = {items[0].digest, items[2].digest}
    in_flight = {items[3].digest}
    batch = Scheduler(lookahead_s=1000, batch_size=4).next_batch(
        items, 0, lambda d: d in ready, in_flight, set(), lambda d: None)
    assert batch == [1, 4, 5, 6]


def test_window_is_bounded_in_seconds_of_audio():
    items = plan(["x" * 150] * 50)  # ~10 s each
    ready = {i.digest for i in items[:3]}
    ready_set = set()
    s = Scheduler(lookahead_s=25, batch_size=8)
    # Nothing ready: the cursor first.
    assert s.next_batch(items, 0, lambda d: d in ready_set, set(), set(), lambda d: None) == [0]
    # Identical texts share a digest: once it is ready, nothing else is needed.
    assert s.next_batch(items, 0, lambda d: d in ready, set(), set(), lambda d: None) == []


def test_window_stops_when_enough_audio_is_buffered():
    items = plan([f"{i}" + "y" * 149 for i in range(50)])  # distinct, ~10 s each
    ready = {items[0].digest, items[1].digest}
    s = Scheduler(lookahead_s=25, batch_size=8)
    assert s.next_batch(items, 0, lambda d: d in ready, set(), set(), lambda d: 10.0) == [2]
    ready.add(items[2].digest)
    assert s.next_batch(items, 0, lambda d: d in ready, set(), set(), lambda d: 10.0) == []
    # Playback moved on: the window moves with it.
    assert s.next_batch(items, 1, lambda d: d in ready, set(), set(), lambda d: 10.0) == [3]


def test_duplicates_are_scheduled_once_and_skipped_are_left_out():
    items = plan(["Yes.", "No.", "Yes.", "Maybe.", "No."])
    batch = Scheduler(lookahead_s=1000, batch_size=8).next_batch(
        items, 1, lambda d: False, set(), {items[3].digest}, lambda d: None)
    assert batch == [1]
    batch = Scheduler(lookahead_s=1000, batch_size=8).next_batch(
        items, 0, lambda d: d == items[0].digest, set(), {items[3].digest}, lambda d: None)
    assert batch == [1]


def test_estimate_counts_cjk_slower():
    assert estimate_seconds("你好世界你好世界你好") > estimate_seconds("hello worl")


def test_skipped_sentences_take_no_room_in_the_window():
    # Left out, they will never be heard: a run of them must not cover the window and stall generation.
    items = plan([f"{i}" + "z" * 149 for i in range(10)])  # ~10 s each
    skipped = {item.digest for item in items[:5]}
    batch = Scheduler(lookahead_s=25, batch_size=8).next_batch(
        items, 0, lambda d: False, set(), skipped, lambda d: None)
    assert batch == [5, 6, 7]
