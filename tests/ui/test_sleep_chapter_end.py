"""The transport's 'Sleep at end of chapter' is a request to the narrator (it pauses at the boundary, before the
next chapter's heading: tests/narration/test_chapter_end_pause.py); choosing another entry withdraws it."""

from __future__ import annotations

from tests.support.ui import open_window


def test_the_choice_arms_and_disarms_the_narrator(qtbot, shared_services):
    window = open_window(qtbot, shared_services)
    try:
        narrator = window.controller.narrator
        sleep = window.transport.sleep
        sleep.setCurrentIndex(sleep.findData(-1))
        assert narrator.pausing_at_chapter_end
        sleep.setCurrentIndex(sleep.findData(15))
        assert not narrator.pausing_at_chapter_end and window.playback.sleep_timer.isActive()
        sleep.setCurrentIndex(sleep.findData(-1))
        window.playback.sleep_now()
        assert not narrator.pausing_at_chapter_end and sleep.currentIndex() == 0
    finally:
        window.close()
