"""One playback speed range (narration/config.py) for --speed, the narrator, the settings and the window's choices;
a speed outside it is refused with one message, never clamped or ignored."""

from __future__ import annotations

import pytest

from reader_app.cli.main import main
from reader_app.narration.config import SPEED_MAX, SPEED_MIN, check_speed, speed_choices
from reader_app.resources import sample_book_path
from reader_app.settings import SettingError, Settings


@pytest.mark.parametrize("value", ["5", "0.1", "0", "-1", "nan", "inf", "3.01", "fast"])
def test_play_refuses_a_speed_outside_the_range(value: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["play", str(sample_book_path()), "--output", "null", "--speed", value])
    err = capsys.readouterr().err.strip()
    assert caught.value.code == 2 and "\n" not in err
    assert "--speed must be between 0.5 and 3.0" in err


@pytest.mark.parametrize("value", [SPEED_MIN, 1.0, SPEED_MAX])
def test_the_ends_of_the_range_are_taken(value: float) -> None:
    assert check_speed(value) == value
    assert Settings(speed=value).speed == value


def test_every_place_uses_the_one_range() -> None:
    assert (SPEED_MIN, SPEED_MAX) == (0.5, 3.0)
    choices = speed_choices()
    assert choices[0] == SPEED_MIN and choices[-1] == SPEED_MAX and 1.0 in choices
    with pytest.raises(SettingError):
        Settings(speed=SPEED_MAX + 0.5)
    with pytest.raises(SettingError):
        Settings(speed=SPEED_MIN / 2)
    with pytest.raises(ValueError, match="speed must be between 0.5 and 3.0"):
        check_speed(5)
    from reader_app.ui.transport_bar import SPEEDS  # the window's control offers exactly the range

    assert SPEEDS == choices
