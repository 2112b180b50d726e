"""A player listener that records the events it gets."""

from __future__ import annotations

from reader_app.audio.player import PlayerListener


class Events(PlayerListener[str]):
    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.starved_count = 0

    def sentence_started(self, item_id: str, delay_s: float) -> None:
        self.started.append(item_id)

    def item_finished(self, item_id: str) -> None:
        self.finished.append(item_id)

    def starved(self) -> None:
        self.starved_count += 1
