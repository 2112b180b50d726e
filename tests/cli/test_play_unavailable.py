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


def test_a_voice_of_the_wrong_kind_is_said_before_play_starts(tmp_path, tiny_custom_voice, tiny_voice_design):
    home = isolated_home(tmp_path)
    designed = run_cli(home, "voices", "design", "--model", str(tiny_voice_design), "--description", "A calm voice",
                       "--name", "Designed")
    assert designed.returncode == 0, designed.stderr
    # Asked for: a usage error, said once, before any sentence is tried (it used to retry and skip every one).
    played = run_cli(home, "play", str(sample_book_path()), "--model", str(tiny_custom_voice), "--voice", "Designed",
                     "--output", "null", "--json", "--sentences", "3", *TINY, timeout=120)
    assert played.returncode == 2, played.stderr
    assert played.stdout == "" and played.stderr.strip().splitlines() == [
        "error: voice 'Designed' (designed) needs a VoiceDesign model; this model is CustomVoice — choose a preset "
        "speaker or open a VoiceDesign model"]
    # Remembered (the settings' default voice): said as a warning, and the model's default voice narrates.
    settings = home.root / "config" / "reader-app" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"voice": "Designed"}))
    played = run_cli(home, "play", str(sample_book_path()), "--model", str(tiny_custom_voice), "--output", "null",
                     "--json", "--sentences", "1", *TINY, timeout=180)
    assert played.returncode == 0, played.stderr
    assert json.loads(played.stdout)["sentences_played"] == 1
    warnings = [line for line in played.stderr.splitlines() if "needs a VoiceDesign model" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: ") and "narrating with vivian" in warnings[0]
    assert "Traceback" not in played.stderr
