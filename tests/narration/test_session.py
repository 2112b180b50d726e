"""Which model folder narration uses: $READER_APP_MODEL first, then the saved setting."""

from pathlib import Path

from reader_app.narration.session import model_path_or_none
from reader_app.settings import Settings


def test_environment_overrides_the_setting_and_blank_means_none(monkeypatch, tmp_path):
    monkeypatch.delenv("READER_APP_MODEL", raising=False)
    assert model_path_or_none(Settings()) is None
    assert model_path_or_none(Settings(model_path="   ")) is None
    assert model_path_or_none(Settings(model_path="~/m")) == Path.home() / "m"
    monkeypatch.setenv("READER_APP_MODEL", str(tmp_path))
    assert model_path_or_none(Settings(model_path="/elsewhere")) == tmp_path
