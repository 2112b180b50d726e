"""The settings dialog round trip, the model manager (verify a folder, offline download) and the event loop
staying responsive while a big book parses and a model loads."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from PySide6.QtCore import QTimer

from reader_app.audio.output import NullOutput
from reader_app.settings import Reload, Settings, ThemeName
from reader_app.store import Library
from reader_app.tts.engine import EngineError, ModelKind
from reader_app.ui.main_window import MainWindow
from reader_app.ui.services import AppServices
from reader_app.ui.settings_dialog import SettingsDialog
from reader_app.ui.workers import run_job
from tests.support.perf import time_limit
from tests.support.ui import TINY_ENGINE, tiny_settings


def test_settings_dialog_covers_every_field_and_round_trips(qtbot, tmp_path, tiny_custom_voice):
    path = tmp_path / "settings.json"
    library = Library(tmp_path / "lib")
    services = AppServices(tiny_settings(tiny_custom_voice), library, output_factory=NullOutput,
                           save_settings=False, engine_options=TINY_ENGINE)
    window = MainWindow(services)
    qtbot.addWidget(window)
    dialog = window.dialogs.open_settings()
    assert isinstance(dialog, SettingsDialog)
    assert set(dialog.editors) == {f.name for f in Settings.editable_fields()}
    for name in ("model_kind", "model_size", "device", "dtype", "lookahead_s", "cache_limit_mb", "theme"):
        assert name in dialog.editors
    dialog.set_value("font_size", 21)
    dialog.set_value("theme", "dark")
    dialog.set_value("device", "cpu")
    dialog.set_value("dtype", "float32")
    dialog.set_value("lookahead_s", 30.0)
    dialog.set_value("cache_limit_mb", 512)
    dialog.set_value("model_size", "1.7b")
    assert services.engine_options.get("weights") is None  # auto: the placement rule decides
    for name in ("weights", "engine_host"):  # each choice reads as words, not as its stored value
        box = dialog.editors[name]
        assert all(box.itemText(i) != str(box.itemData(i)) for i in range(box.count())), name
    dialog.set_value("weights", "int8")
    dialog.accept()
    s = services.settings
    assert (s.font_size, s.theme, s.device, s.dtype, s.lookahead_s, s.cache_limit_mb, s.model_size) == \
        (21, "dark", "cpu", "float32", 30.0, 512, "1.7b")
    assert s.model_path == str(tiny_custom_voice)  # no 1.7B folder known: the model stays
    assert s.weights == "int8" and services.engine_options["weights"] == "int8"  # every engine it makes
    assert services.engine_options["max_frames_per_char"] == TINY_ENGINE["max_frames_per_char"]
    assert library.cache_limits().total_bytes == 512 * 1024 * 1024
    assert window.reading_view.font_size == 21
    s.save(path)
    assert Settings.load(path) == s
    window.set_theme("light")
    window.close()
    library.close()


def test_settings_declare_what_a_change_reloads_and_keep_their_json_strings(tmp_path):
    assert Settings.names_reloading(Reload.ENGINE) == {"device", "dtype", "cpu_threads", "weights", "engine_host",
                                                       "remote_server", "remote_token"}
    assert Settings.names_reloading(Reload.NARRATOR) == {
        "model_path", "model_kind", "model_size", "device", "dtype", "cpu_threads", "weights", "engine_host",
        "lookahead_s",
        "remote_server", "batch_size",
        "pause_sentence_s", "pause_paragraph_s", "pause_chapter_s", "voice"}
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"model_kind": "voice_design", "theme": "dark", "font_size": 18}), encoding="utf-8")
    loaded = Settings.load(path)
    assert loaded.model_kind is ModelKind.VOICE_DESIGN and loaded.theme is ThemeName.DARK
    loaded.save(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert (raw["model_kind"], raw["theme"], raw["font_size"]) == ("voice_design", "dark", 18)
    path.write_text(json.dumps({"model_kind": "no_such_kind", "theme": "purple"}), encoding="utf-8")
    assert Settings.load(path) == Settings()  # an unknown choice takes the default, like a wrong type


def test_model_manager_verifies_a_folder_and_reports_offline(qtbot, tmp_path, tiny_custom_voice, monkeypatch):
    library = Library(tmp_path / "lib")
    services = AppServices(Settings(), library, output_factory=NullOutput, save_settings=False)
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    assert window.notice.isVisible()
    dialog = window.dialogs.open_model_manager()
    chosen = []
    dialog.modelChanged.connect(chosen.append)
    dialog.verify_folder(str(tmp_path))
    qtbot.waitUntil(lambda: "not a Qwen3-TTS checkpoint" in dialog.message.text(), timeout=10_000)
    assert "not a Qwen3-TTS checkpoint" in dialog.message.text() and services.settings.model_path == ""
    monkeypatch.setattr("reader_app.ui.model_manager.QFileDialog.getExistingDirectory",
                        lambda *args, **kwargs: str(tiny_custom_voice))
    dialog.folder_button.click()
    qtbot.waitUntil(lambda: bool(chosen), timeout=10_000)
    assert services.settings.model_path == str(tiny_custom_voice)
    assert services.settings.model_kind == "custom_voice"
    assert services.settings.folder_for("custom_voice", chosen[0].size) == str(tiny_custom_voice)
    assert "Using" in dialog.message.text() and not window.notice.isVisible()

    def offline(repo_id, dest=None, progress=None, cancel_event=None, endpoint=None):
        raise EngineError(f"Could not download {repo_id}: the Hugging Face hub is not reachable from this "
                          "computer (ConnectionError).")

    monkeypatch.setattr("reader_app.models.catalog.download_model", offline)
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.download_button.isEnabled(), timeout=10_000)
    assert "not reachable" in dialog.message.text()
    dialog.reject()
    window.close()
    library.close()


@pytest.mark.perf
def test_event_loop_keeps_ticking_while_a_big_book_parses_and_a_model_loads(qtbot, tmp_path, tiny_custom_voice,
                                                                             monkeypatch):
    from reader_app.narration import engine_provider

    monkeypatch.setattr(engine_provider, "ENGINES", engine_provider.EngineRegistry())  # a real load, not a shared one
    paragraph = ("The old clock in the hall struck nine, and somewhere beyond the garden a dog barked twice. "
                 "Nobody moved; the tea had long gone cold. ") * 6
    big = tmp_path / "big.txt"
    big.write_text("\n\n".join(f"Chapter {c}\n\n" + "\n\n".join([paragraph] * 40) for c in range(1, 41)),
                   encoding="utf-8")
    library = Library(tmp_path / "lib")
    services = AppServices(tiny_settings(tiny_custom_voice), library, output_factory=NullOutput,
                           save_settings=False, engine_options=TINY_ENGINE)
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()

    def longest_gap() -> float:
        return max(b - a for a, b in itertools.pairwise(ticks))

    provider = services.engine_provider()
    assert not provider.loaded
    done = []
    started = time.monotonic()
    run_job(window, provider.get, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=60_000)
    load_s = time.monotonic() - started
    assert provider.loaded and len(ticks) > load_s / 0.01 * 0.2, (len(ticks), load_s)
    # Importing torch's C extensions holds the GIL in bursts; the window still repaints several times a second.
    assert longest_gap() < time_limit(1.0), longest_gap()

    ticks.clear()
    started = time.monotonic()
    window.open_book(big)
    qtbot.waitUntil(lambda: window.book is not None, timeout=60_000)
    parse_s = time.monotonic() - started
    assert window.book.sentence_count() > 10_000
    # a fifth of the 10 ms ticks at least (0.29 seen once in a full run on the 2-core AMD VM, hence not 0.3)
    assert len(ticks) > parse_s / 0.01 * 0.2, (len(ticks), parse_s)

    # Parsing on the GUI thread would stop it for the whole parse (seconds). A worker's long C calls (regexes over
    # a chapter) hold the GIL in bursts: 0.49-0.59 s measured on the AMD EPYC VM, code before and after 2026-12-03.
    assert longest_gap() < time_limit(1.0), longest_gap()
    window.close()
    timer.stop()
    library.close()
