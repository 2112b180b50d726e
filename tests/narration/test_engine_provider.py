"""Engine choice: the fast engine first, the stock one when the fast one cannot serve (without loading models)."""

import logging

import pytest

import reader_app.tts.fast as fast
import reader_app.tts.stock.engine as stock
from reader_app.narration.engine_provider import qwen_engine_provider


@pytest.fixture
def loaders(monkeypatch):
    calls = []
    monkeypatch.setattr(stock, "load_engine", lambda path, **kw: calls.append(("stock", kw)) or "stock-engine")
    monkeypatch.setattr(fast, "load_fast_engine", lambda path, **kw: calls.append(("fast", kw)) or "fast-engine",
                        raising=False)
    return calls


def test_fast_is_preferred_and_loaded_once(loaders):
    provider = qwen_engine_provider("/m", threads=1, max_frames=12)
    assert provider() == "fast-engine" and provider() == "fast-engine"
    assert loaders == [("fast", {"device": "auto", "dtype": "auto", "threads": 1, "max_frames": 12})]


def test_stock_on_request_or_for_options_only_it_knows(loaders):
    assert qwen_engine_provider("/m", engine="stock")() == "stock-engine"
    assert qwen_engine_provider("/m", trim=False)() == "stock-engine"  # only the stock engine has `trim`
    assert [kind for kind, _ in loaders] == ["stock", "stock"]


def test_the_shared_frame_budget_options_go_to_the_fast_engine(loaders):
    assert qwen_engine_provider("/m", max_frames_per_char=0.05, margin_frames=6)() == "fast-engine"
    assert loaders[0][1]["max_frames_per_char"] == 0.05 and loaders[0][1]["margin_frames"] == 6


def test_a_fast_engine_that_fails_to_load_falls_back_with_a_warning(monkeypatch, loaders, caplog):
    def broken(path, **kw):
        raise RuntimeError("unsupported checkpoint")

    monkeypatch.setattr(fast, "load_fast_engine", broken)
    with caplog.at_level(logging.WARNING):
        assert qwen_engine_provider("/m")() == "stock-engine"
    assert "unsupported checkpoint" in caplog.text


def test_unknown_engine_name_is_refused():
    with pytest.raises(ValueError):
        qwen_engine_provider("/m", engine="turbo")


def test_the_weights_setting_becomes_an_engine_option_unless_auto():
    from reader_app.narration.engine_provider import settings_engine_options
    from reader_app.settings import Settings
    from reader_app.tts.fast.config import WeightFormat, audio_affecting

    assert settings_engine_options(Settings()) == {}
    options = settings_engine_options(Settings(weights=WeightFormat.INT8))
    assert options == {"weights": "int8"}
    assert audio_affecting(options) == options  # int8 clips are keyed apart from fp16 ones
