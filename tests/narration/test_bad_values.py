"""Speed and volume set at run time (the transport, the command line, a hand-edited settings file) are checked: a
non-finite or out-of-range value is refused with a ValueError the caller shows, and playback goes on."""

from __future__ import annotations

import math

import pytest

from reader_app.narration.config import wait_until
from tests.support.books import make_book
from tests.support.engines import ToneEngine
from tests.support.narration import Recorder, config, play_to_end


@pytest.fixture
def book():
    return make_book([[["One fish.", "Two fish."], ["Red fish.", "Blue fish."]]])


@pytest.mark.parametrize("speed", [math.nan, math.inf, -1.0, 0.0, 0.2, 3.5, 1e9])
def test_a_bad_speed_is_refused_and_playback_goes_on(book, make_narrator, speed):
    rec = Recorder()
    narrator, _, out = make_narrator(book, ToneEngine(), rec)
    assert wait_until(lambda: all(narrator.is_ready(i) for i in range(book.sentence_count())), 10)
    with pytest.raises(ValueError, match="speed"):
        narrator.set_speed(speed)
    assert narrator.config.speed == 1.0
    assert play_to_end(narrator, out)
    assert rec.started == list(range(book.sentence_count()))


@pytest.mark.parametrize("volume", [math.nan, -math.inf, -0.5, 2.5])
def test_a_bad_volume_is_refused_and_playback_goes_on(book, make_narrator, volume):
    rec = Recorder()
    narrator, _, out = make_narrator(book, ToneEngine(), rec)
    with pytest.raises(ValueError, match="volume"):
        narrator.set_volume(volume)
    assert narrator.config.volume == 1.0 and narrator.player.volume == 1.0
    assert play_to_end(narrator, out)
    assert rec.started == list(range(book.sentence_count()))


def test_good_values_at_the_ends_of_the_ranges_are_taken(book, make_narrator):
    narrator, _, _ = make_narrator(book, ToneEngine(), Recorder())
    narrator.set_speed(3.0)
    narrator.set_speed(0.5)
    narrator.set_volume(0.0)
    narrator.set_volume(2.0)
    assert narrator.config.speed == 0.5 and narrator.player.volume == 2.0


@pytest.mark.parametrize("field,value", [("speed", math.nan), ("volume", math.inf), ("speed", 0.0)])
def test_a_config_with_a_bad_value_is_refused_up_front(book, make_narrator, field, value):
    with pytest.raises(ValueError, match=field):
        make_narrator(book, ToneEngine(), Recorder(), **{field: value})
    narrator, _, _ = make_narrator(book, ToneEngine(), Recorder())
    with pytest.raises(ValueError, match=field):
        narrator.set_config(config(**{field: value}))
    assert narrator.config.speed == 1.0 and narrator.config.volume == 1.0
