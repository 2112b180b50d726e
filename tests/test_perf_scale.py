"""The perf tests' bounds scale with READER_APP_PERF_SCALE, and a bad value is refused, not ignored."""

from __future__ import annotations

import pytest

from tests.support.perf import time_limit


def test_bounds_scale_with_the_environment(monkeypatch):
    monkeypatch.delenv("READER_APP_PERF_SCALE", raising=False)
    assert time_limit(2.0) == 2.0
    monkeypatch.setenv("READER_APP_PERF_SCALE", "3")
    assert time_limit(2.0) == 6.0


@pytest.mark.parametrize("value", ["fast", "0.5", "nan", "-1"])
def test_a_bad_scale_is_refused(monkeypatch, value):
    monkeypatch.setenv("READER_APP_PERF_SCALE", value)
    with pytest.raises(ValueError, match="READER_APP_PERF_SCALE"):
        time_limit(1.0)
