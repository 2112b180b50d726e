"""The failure policy of one batch: whole first, then each sentence alone with its tries, then given up."""

import numpy as np
import pytest

from reader_app.audio.clip import AudioClip
from reader_app.narration import synthesis
from reader_app.narration.retry import clips_or_failures


def clip(index):
    return AudioClip(np.full(10, index / 10, np.float32), 1000)


class Attempts:
    def __init__(self, failing=(), cancel_on=None):
        self.calls, self.failing, self.cancel_on = [], set(failing), cancel_on

    def __call__(self, indices, whole):
        self.calls.append((list(indices), whole))
        if self.failing & set(indices):
            raise RuntimeError(f"cannot say {sorted(self.failing & set(indices))}")
        if self.cancel_on in indices:
            raise synthesis.Cancelled()
        return [clip(i) for i in indices]


def test_a_batch_that_works_is_tried_once_whole():
    attempts = Attempts()
    results = list(clips_or_failures(attempts, [3, 4, 5], tries_alone=2))
    assert [i for i, _ in results] == [3, 4, 5] and all(isinstance(r, AudioClip) for _, r in results)
    assert attempts.calls == [([3, 4, 5], True)]


def test_a_failing_batch_is_split_and_the_culprit_given_up_after_its_tries():
    attempts = Attempts(failing={4})
    results = dict(clips_or_failures(attempts, [3, 4, 5], tries_alone=2))
    assert isinstance(results[3], AudioClip) and isinstance(results[5], AudioClip)
    assert results[4] == "cannot say [4]"
    assert attempts.calls == [([3, 4, 5], True), ([3], False), ([4], False), ([4], False), ([5], False)]


def test_a_wrong_number_of_clips_counts_as_a_failure():
    def short(indices, whole):
        return [clip(i) for i in indices][:1] if whole else [clip(i) for i in indices]

    assert [i for i, r in clips_or_failures(short, [1, 2], 1) if isinstance(r, AudioClip)] == [1, 2]


def test_cancel_stops_at_once():
    attempts = Attempts(failing={1}, cancel_on=2)
    with pytest.raises(synthesis.Cancelled):
        list(clips_or_failures(attempts, [1, 2, 3], tries_alone=2))
    assert attempts.calls == [([1, 2, 3], True), ([1], False), ([1], False), ([2], False)]
