"""The voice studio dialog, offscreen, with a fake microphone, tiny checkpoints and a silent output."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reader_app.audio.microphone import FakeMicrophone
from reader_app.audio.output import NullOutput
from reader_app.settings import Settings
from reader_app.store import Library
from reader_app.ui.services import AppServices
from reader_app.voices import library as voices
from tests.support.audio import SR, speechlike


@pytest.fixture
def studio(qtbot, tmp_path, tiny_custom_voice, tiny_voice_design, tiny_base, preset_engine, design_engine,
           base_engine):
    from reader_app.ui.voice_studio import VoiceStudioDialog

    engines = {str(tiny_custom_voice): preset_engine, str(tiny_voice_design): design_engine,
               str(tiny_base): base_engine}
    settings = Settings(model_path=str(tiny_custom_voice), cpu_threads=1)
    settings.extra["voice_studio_models"] = {"voice_design": str(tiny_voice_design), "base": str(tiny_base)}
    library = Library(tmp_path / "library")
    services = AppServices(settings, library, output_factory=lambda: NullOutput(realtime=False),
                           save_settings=False)
    dialog = VoiceStudioDialog(services, engine_factory=lambda folder: engines[folder],
                               microphone_factory=lambda: FakeMicrophone(speechlike(4.0), SR, block_frames=2400))
    qtbot.addWidget(dialog)
    dialog.show()
    yield dialog
    dialog.done(0)
    library.close()


def _wait_status(qtbot, dialog, contains: str, timeout=60_000):
    qtbot.waitUntil(lambda: contains in dialog.status.text() and not dialog.worker.busy, timeout=timeout)


def test_presets_tab_notice_preview_and_save(qtbot, studio):
    tab = studio.presets
    assert tab.speaker.count() == 9 and "Bright" in tab.about.text()
    assert tab.notice.isVisibleTo(studio) and "ignores style instructions" in tab.notice.text()
    tab.speaker.setCurrentIndex(5)
    tab.instruct.setText("Whisper.")
    with qtbot.waitSignal(studio.preview_ready, timeout=60_000) as got:
        tab.preview.click()
    assert got.args[0].sample_rate == SR
    qtbot.waitUntil(lambda: tab.save.isEnabled())
    tab.name.setText("Whispering Ryan")
    tab.save.click()
    assert voices.find_voice("whispering ryan").instruct == "Whisper."
    assert studio.selected_voice().name == "Whispering Ryan"


def test_design_preview_then_save_as_clone(qtbot, studio):
    tab = studio.design
    tab.preview.click()
    assert "Describe the voice first" in studio.status.text()
    tab.description.setPlainText("A deep, calm narrator.")
    with qtbot.waitSignal(studio.preview_ready, timeout=60_000):
        tab.preview.click()
    qtbot.waitUntil(lambda: tab.save.isEnabled())
    tab.clone_model.setCurrentIndex(1)
    tab.name.setText("Deep Narrator")
    tab.save.click()
    _wait_status(qtbot, studio, "Saved Deep Narrator")
    entry = voices.get_voice("deep narrator")
    assert entry.kind == "clone" and entry.origin == "design" and entry.has_prompt


def test_clone_by_recording_with_fake_microphone(qtbot, studio):
    tab = studio.clone
    tab.save.click()
    assert "Choose a recording" in studio.status.text()
    tab.record.click()
    assert tab.record.text() == "■ Stop"
    qtbot.waitUntil(lambda: tab.recorded is not None, timeout=10_000)  # the fake stops at its end
    assert tab.record.text() == "● Record" and "Recorded 5.0 s" in studio.status.text()
    tab.transcript.setPlainText("The quick brown fox.")
    tab.name.setText("Mic Voice")
    tab.save.click()
    _wait_status(qtbot, studio, "Saved Mic Voice")
    assert voices.get_voice("mic voice").origin == "microphone"


def test_clone_bad_file_is_reported(qtbot, studio, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"garbage")
    studio.ask_open_file = lambda *a: str(bad)
    studio.clone.choose.click()
    studio.clone.name.setText("Bad")
    studio.clone.save.click()
    _wait_status(qtbot, studio, "cannot be read as audio")
    assert "b00020" in studio.status.styleSheet() and voices.get_voice("bad") is None


def test_voice_list_preview_export_import_delete(qtbot, studio, tmp_path):
    studio.select_voice("Vivian")
    assert not studio.delete_btn.isEnabled()
    with qtbot.waitSignal(studio.preview_ready, timeout=60_000):
        studio.preview_btn.click()
    qtbot.waitUntil(lambda: not studio.worker.busy)
    studio.ask_save_file = lambda *a: str(tmp_path / "viv.voice")
    studio.export_btn.click()
    assert (tmp_path / "viv.voice").is_file()
    studio.ask_open_file = lambda *a: str(tmp_path / "viv.voice")
    studio.import_btn.click()
    _wait_status(qtbot, studio, "Imported")  # on the worker thread
    assert studio.selected_voice().name == "Vivian (2)" and studio.delete_btn.isEnabled()
    studio.confirm = lambda question: True
    studio.delete_btn.click()
    assert voices.get_voice("Vivian (2)") is None and "Deleted" in studio.status.text()


def test_screenshot(qtbot, studio, tmp_path):
    studio.presets.instruct.setText("Read warmly, with a gentle smile in the voice.")
    studio.select_voice("Warm Storyteller")
    studio.resize(980, 560)
    qtbot.wait(50)
    image = studio.grab().toImage()
    assert image.width() >= 900 and image.height() >= 500
    # Not a blank render: many distinct colours (text, list, tabs).
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20
    out = tmp_path / "voices-studio.png"
    assert image.save(str(out)) and out.stat().st_size > 10_000
    if os.environ.get("READER_APP_UPDATE_DOCS"):  # refresh the docs copy on purpose only
        image.save(str(Path(__file__).resolve().parents[2] / "docs" / "voices-studio.png"))


def test_import_runs_off_the_gui_thread_and_a_refusal_is_shown(qtbot, studio, tmp_path, monkeypatch):
    import threading
    import zipfile

    many = tmp_path / "many.voice"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(2000):
            zf.writestr(f"{i}", b"")
    threads = []
    real_import = voices.import_voice

    def recording_import(path, name=None):
        threads.append(threading.current_thread())
        return real_import(path, name)

    monkeypatch.setattr(voices, "import_voice", recording_import)
    studio.ask_open_file = lambda *a: str(many)
    studio.import_btn.click()
    _wait_status(qtbot, studio, "lists 2,000 entries")
    assert threads and threads[0] is not threading.main_thread()
    assert "b00020" in studio.status.styleSheet() and "\n" not in studio.status.text()


def test_a_studio_opens_whatever_the_settings_remember(qtbot, tmp_path):
    from reader_app.ui.voice_studio import VoiceStudioDialog

    settings = Settings()
    settings.extra["voice_studio_models"] = ["not", "a", "mapping"]
    library = Library(tmp_path / "library")
    services = AppServices(settings, library, output_factory=lambda: NullOutput(realtime=False),
                           save_settings=False)
    dialog = VoiceStudioDialog(services, engine_factory=lambda folder: None)
    qtbot.addWidget(dialog)
    settings.extra["voice_studio_models"] = {"base": 42, "voice_design": str(tmp_path / "gone")}
    dialog.done(0)
    dialog = VoiceStudioDialog(services, engine_factory=lambda folder: None)
    qtbot.addWidget(dialog)
    assert dialog.voice_list.topLevelItemCount() >= 13
    dialog.done(0)
    library.close()
