"""Narrator test kit: a listener that records what it is told, a config with short pauses, a narrator over a
real SQLite cache on a virtual clock, and a loop that plays a book to its end."""

from __future__ import annotations

import numpy as np

from reader_app.audio.output import ManualOutput
from reader_app.narration.narrator import NarrationConfig, Narrator, wait_until
from reader_app.store import BookCache
from reader_app.tts.engine import VoiceSpec

SR = 24_000


class Recorder:
    def __init__(self):
        self.started, self.ready, self.states, self.errors, self.skipped = [], [], [], [], []

    def on_requested(self, index):
        pass

    def on_sentence_started(self, index, delay_s):
        self.started.append(index)

    def on_clip_ready(self, index):
        self.ready.append(index)

    def on_state(self, state):
        self.states.append(state)

    def on_error(self, message):
        self.errors.append(message)

    def on_sentence_skipped(self, index, message):
        self.skipped.append(index)


def config(**kw):
    base = dict(voice=VoiceSpec(speaker="ryan"), model_id="m1", lookahead_s=1000, batch_size=2,
                pause_sentence_s=0.1, pause_paragraph_s=0.2, pause_chapter_s=0.5, feed_ahead_s=1.0)
    base.update(kw)
    return NarrationConfig(**base)


def make(book, tmp_path, engine, recorder, **kw):
    cache = BookCache(tmp_path / "book.db")
    cache.sync_sentences(book)
    out = ManualOutput(SR, 480)
    narrator = Narrator(book, cache, config(**kw), out, (lambda: engine) if engine else None, recorder)
    return narrator, cache, out


def play_all(narrator, out, seconds=10.0):
    narrator.play()
    heard = []
    for _ in range(int(seconds / 0.1)):
        # A virtual clock runs faster than real time: give the feeder thread its chance before each tick.
        wait_until(lambda: narrator.player.queued_seconds() > 0.1 or narrator.state == "finished", 2)
        heard.append(out.pump(0.1))
        if narrator.state == "finished":
            break
    return np.concatenate(heard)
