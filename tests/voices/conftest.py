"""Voice tests: each test gets an empty user voices folder; tiny engines are shared per session."""

from __future__ import annotations

from pathlib import Path

import pytest

# Random weights never emit EOS: small frame budgets, one torch thread.
TINY = dict(threads=1, max_frames_per_char=0.05, margin_frames=6)


@pytest.fixture(autouse=True)
def user_voices(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "user-voices"
    folder.mkdir()

    def voices_dir() -> Path:
        folder.mkdir(exist_ok=True)
        return folder

    monkeypatch.setattr("reader_app.paths.voices_dir", voices_dir)
    return folder


@pytest.fixture(scope="session")
def base_engine(tiny_base):
    from reader_app.tts.stock.engine import load_engine

    return load_engine(tiny_base, device="cpu", greedy=True, **TINY)


@pytest.fixture(scope="session")
def design_engine(tiny_voice_design):
    from reader_app.tts.stock.engine import load_engine

    # A longer budget than TINY: the preview becomes a clone reference, which needs 3 s of sound.
    return load_engine(tiny_voice_design, device="cpu", greedy=True, threads=1, max_frames_per_char=0.5,
                       margin_frames=6)


@pytest.fixture(scope="session")
def preset_engine(tiny_custom_voice):
    from reader_app.tts.stock.engine import load_engine

    return load_engine(tiny_custom_voice, device="cpu", greedy=True, **TINY)
