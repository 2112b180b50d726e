"""`reader-app play` in a subprocess when audio cannot be produced: it plays what is cached, skips the rest and
exits (a hang fails the test by its timeout instead of stalling the suite)."""

from __future__ import annotations

import json

import numpy as np

from reader_app.audio.clip import AudioClip
from reader_app.books import load_book
from reader_app.narration.plan import NarrationPlan
from reader_app.narration.session import book_narration_config
from reader_app.resources import sample_book_path
from reader_app.settings import Settings
from reader_app.store import Library
from tests.support.cli import TINY, isolated_home, run_cli


def _tone(seconds: float = 0.3) -> AudioClip:
    t = np.arange(int(seconds * 24_000), dtype=np.float32) / 24_000
    return AudioClip((0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 24_000)


def test_without_a_model_a_missing_clip_is_skipped_and_the_cached_rest_plays(tmp_path):
    home = isolated_home(tmp_path)
    book = load_book(sample_book_path())
    library = Library(home.data_dir)
    try:
        library.add_book(book)
        with library.open_book_cache(book) as cache:
            cache.sync_sentences(book)
            config = book_narration_config(Settings(), library, book, None)  # what `play` without a model uses
            keys = NarrationPlan(book.sentences(), config, lambda _keys: set()).keys
            for index in (0, 1, 3):  # chapter 1 has four sentences: the third is missing
                cache.put_clip(keys[index], _tone())
    finally:
        library.close()
    played = run_cli(home, "play", str(sample_book_path()), "--output", "null", "--json", "--sentences", "4",
                     timeout=60)
    assert played.returncode == 0, played.stderr
    report = json.loads(played.stdout)
    rows = {row["index"]: row for row in report["sentences"]}
    assert [i for i in range(4) if "started_ms" in rows.get(i, {})] == [0, 1, 3]
    assert "No voice model" in rows[2]["skipped"]
    assert played.stderr.count("No voice model") == 1  # said once


def test_a_voice_the_engine_rejects_skips_every_sentence_and_play_exits(tmp_path, tiny_custom_voice,
                                                                         tiny_voice_design):
    home = isolated_home(tmp_path)
    designed = run_cli(home, "voices", "design", "--model", str(tiny_voice_design), "--description", "A calm voice",
                       "--name", "Designed")
    assert designed.returncode == 0, designed.stderr
    # A designed voice on a CustomVoice model: the engine refuses every sentence.
    played = run_cli(home, "play", str(sample_book_path()), "--model", str(tiny_custom_voice), "--voice", "Designed",
                     "--output", "null", "--json", "--sentences", "3", *TINY, timeout=120)
    assert played.returncode == 1, played.stderr  # nothing could be played
    report = json.loads(played.stdout)
    assert report["sentences_played"] == 0
    assert all("skipped" in row for row in report["sentences"] if row["index"] < 3)
    assert played.stderr.count("needs a voice_design model") == 1
    assert "Traceback" not in played.stderr
