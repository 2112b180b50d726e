"""A player listener that records the events it gets."""

from __future__ import annotations


class Events:
    def __init__(self):
        self.started, self.finished, self.starved_count = [], [], 0

    def sentence_started(self, item_id, delay_s):
        self.started.append(item_id)

    def item_finished(self, item_id):
        self.finished.append(item_id)

    def starved(self):
        self.starved_count += 1
