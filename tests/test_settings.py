"""Settings: every declared value is checked on load and on set; a file that cannot be used gives the defaults,
is kept aside as settings.json.bad and is reported once; nothing a settings file holds stops the app."""

from __future__ import annotations

import json
import math
from dataclasses import fields

import pytest

from reader_app.settings import SettingError, Settings, ThemeName


def _write(path, data) -> None:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("name, value", [
    ("speed", float("nan")), ("speed", 100.0), ("speed", 0.0), ("volume", float("inf")), ("volume", 7.0),
    ("pause_sentence_s", 1e9), ("pause_sentence_s", -1), ("pause_paragraph_s", -0.5), ("pause_chapter_s", 1e9),
    ("batch_size", 0), ("batch_size", -1), ("batch_size", 2.5), ("batch_size", True), ("lookahead_s", -5),
    ("cpu_threads", 10**40), ("font_size", "big"), ("cache_limit_mb", 0), ("theme", "purple"),
    ("model_kind", "no_such_kind"), ("auto_scroll", "yes"), ("device", "potato"), ("dtype", "float8"),
    ("audio_output", "speakers"), ("model_path", 42), ("model_path", "x" * 5000), ("model_path", "a\x00b"),
    ("model_folders", {"base/0.6b": ["not", "a", "folder"]}), ("extra", [1, 2]),
])
def test_an_invalid_value_in_the_file_takes_its_default_and_says_so(tmp_path, name, value):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({name: value, "font_size" if name != "font_size" else "speed": 21
                                if name != "font_size" else 1.5}), encoding="utf-8")
    loaded = Settings.load(path)
    assert getattr(loaded, name) == getattr(Settings(), name)
    assert (loaded.font_size == 21) if name != "font_size" else (loaded.speed == 1.5)  # the rest is kept
    assert name in loaded.load_notice and "\n" not in loaded.load_notice
    assert path.is_file()  # the file itself was usable: it stays


@pytest.mark.parametrize("name, value", [
    ("speed", float("nan")), ("pause_sentence_s", 1e9), ("pause_sentence_s", -1), ("batch_size", 0),
    ("batch_size", -1), ("volume", -0.1), ("font_size", 2), ("theme", "purple"), ("device", "gpu!"),
])
def test_an_invalid_value_is_refused_on_set_and_in_the_constructor(name, value):
    settings = Settings()
    with pytest.raises(SettingError, match=name):
        setattr(settings, name, value)
    assert getattr(settings, name) == getattr(Settings(), name)
    with pytest.raises(SettingError):
        Settings(**{name: value})


def test_set_coerces_what_it_can():
    settings = Settings()
    settings.theme = "dark"  # type: ignore[assignment]  # a combo's data, a command-line string
    assert settings.theme is ThemeName.DARK
    settings.pause_chapter_s = 2  # an int where a float is declared
    assert isinstance(settings.pause_chapter_s, float)
    settings.device, settings.dtype = "cuda:1", "bf16"  # the engines take these too
    settings.remember_model(settings.model_kind, "tiny", "/models/tiny")  # a checkpoint's own size tag
    assert settings.model_size == "tiny"


def test_every_number_has_a_range():
    for spec in fields(Settings):
        if isinstance(spec.default, (int, float)) and not isinstance(spec.default, bool):
            low, high = spec.metadata["minimum"], spec.metadata["maximum"]
            assert low is not None and high is not None and math.isfinite(high), spec.name
            assert low <= spec.default <= high, spec.name


@pytest.mark.parametrize("case", ["nested", "oversized", "list", "not json", "not utf-8", "empty", "deep extra",
                                  "huge number", "folder"])
def test_an_unusable_file_gives_the_defaults_is_kept_aside_and_is_reported_once(tmp_path, case):
    path = tmp_path / "settings.json"
    if case == "nested":
        _write(path, "[" * 5000 + "]" * 5000)
    elif case == "oversized":
        _write(path, json.dumps({"extra": {"pad": "x" * (1 << 20)}}))
    elif case == "list":
        _write(path, [1, 2, 3])
    elif case == "not json":
        _write(path, "{font_size: 12")
    elif case == "not utf-8":
        path.write_bytes(b'{"voice": "\xff\xfe"}')
    elif case == "empty":
        _write(path, "")
    elif case == "deep extra":
        _write(path, '{"extra": ' + '{"a": ' * 900 + "1" + "}" * 900 + "}")
    elif case == "huge number":
        _write(path, '{"font_size": ' + "9" * 5000 + "}")
    else:
        path.mkdir()
    original = path.read_bytes() if path.is_file() else None
    loaded = Settings.load(path)
    assert loaded == Settings()
    assert "settings" in loaded.load_notice and "\n" not in loaded.load_notice
    bad = tmp_path / "settings.json.bad"
    assert bad.exists() and not path.exists()
    if original is not None:
        assert bad.read_bytes() == original  # nothing lost: the user can mend it
        assert "settings.json.bad" in loaded.load_notice
    again = Settings.load(path)
    assert again == Settings() and again.load_notice == ""  # said once


def test_missing_file_and_good_file_say_nothing_and_the_notice_is_never_saved(tmp_path):
    path = tmp_path / "settings.json"
    assert Settings.load(path).load_notice == ""
    _write(path, {"speed": float("nan"), "font_size": 20})
    loaded = Settings.load(path)
    assert loaded.load_notice
    loaded.save(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert "load_notice" not in raw and raw["speed"] == 1.0 and raw["font_size"] == 20
    assert Settings.load(path).load_notice == ""


def test_from_values_keeps_the_base_value_for_what_is_invalid():
    base = Settings(font_size=20, speed=1.5)
    edited, problems = Settings.from_values({"font_size": 22, "speed": -3, "nope": 1}, base)
    assert (edited.font_size, edited.speed) == (22, 1.5) and len(problems) == 1 and "speed" in problems[0]
    assert base.font_size == 20  # a copy


def test_the_dialog_edits_go_through_the_same_check(qtbot):
    from reader_app.ui.settings_dialog import SettingsDialog

    settings = Settings(font_size=20)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    for spec in Settings.editable_fields():  # every numeric editor is bounded by the declared range
        editor = dialog.editors[spec.name]
        if hasattr(editor, "maximum") and not spec.metadata["choices"]:
            assert (editor.minimum(), editor.maximum()) == (spec.metadata["minimum"], spec.metadata["maximum"])
    accepted = []
    dialog.accepted.connect(lambda: accepted.append(True))
    dialog.set_value("model_path", "/models/a\x00b")  # pasted garbage
    dialog.set_value("font_size", 22)
    dialog.accept()
    assert not accepted and "model_path" in dialog.message.text() and dialog.message.isVisibleTo(dialog)
    assert dialog.edited_settings().model_path == "" and dialog.edited_settings().font_size == 22
    dialog.set_value("model_path", "/models/a")
    dialog.accept()
    assert accepted and settings.font_size == 20  # applied by whoever opened it, not here


def test_the_window_opens_with_the_defaults_and_shows_the_notice_in_its_status_line(qtbot, tmp_path, monkeypatch):
    from reader_app.audio.output import NullOutput
    from reader_app.store import Library
    from reader_app.ui.app import create_window
    from reader_app.ui.services import AppServices
    from reader_app.ui.transport_bar import TransportBar

    path = tmp_path / "settings.json"
    _write(path, "[" * 5000 + "]" * 5000)
    book = tmp_path / "book.txt"
    book.write_text("One sentence here. And another one.", encoding="utf-8")
    library = Library(tmp_path / "library")
    services = AppServices(Settings.load(path), library, output_factory=NullOutput, save_settings=False)
    shown: list[str] = []
    real_set_status = TransportBar.set_status

    def recording_set_status(bar, text: str) -> None:
        shown.append(text)
        real_set_status(bar, text)

    monkeypatch.setattr(TransportBar, "set_status", recording_set_status)
    window = create_window(services, book)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.book is not None, timeout=30_000)
    qtbot.wait(50)  # what the loaded signal's other listeners set in the status line
    assert any("settings.json.bad" in text for text in shown[:2])  # said at once, before the book is in
    status = window.transport.status_label.text()  # and still there once it is, not covered by routine news
    assert "nested too deeply" in status and "settings.json.bad" in status
    window.close()
    library.close()


def test_a_command_says_it_once_on_stderr_and_runs(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, **{var: str(tmp_path / sub) for var, sub in
                           (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"))}}
    folder = tmp_path / "config" / "reader-app"
    book = tmp_path / "book.txt"
    book.write_text("The end.", encoding="utf-8")
    command = [sys.executable, "-m", "reader_app.cli.main", "play", str(book), "--output", "null", "--sentences", "1"]
    root = Path(__file__).resolve().parents[1]

    def play() -> subprocess.CompletedProcess:
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=root, timeout=120)

    clean = play()  # no settings file: how play ends without a model, whatever that is
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "settings.json", "[" * 5000 + "]" * 5000)
    first, second = play(), play()
    assert first.returncode == second.returncode == clean.returncode
    assert "Traceback" not in first.stderr + second.stderr
    said = [line for line in first.stderr.splitlines() if "settings.json" in line]
    assert len(said) == 1 and "nested too deeply" in said[0] and "settings.json.bad" in said[0]
    assert "settings.json" not in second.stderr  # said once: the bad file was set aside
    assert (folder / "settings.json.bad").read_text() == "[" * 5000 + "]" * 5000
