"""The voice studio: presets with style instructions, voices designed from a description, voices cloned from a
file or the microphone, and the library of saved voices (preview, export, import, delete).

Model work runs on StudioWorker's thread; results and errors come back as signals and are shown in the status
line (never in a modal box, so nothing blocks). Microphone and engines are injected, so tests use a fake
microphone and tiny checkpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reader_app.audio.clip import AudioClip
from reader_app.tts.engine import EngineError, ModelKind, VoiceKind, VoiceSpec
from reader_app.ui.services import AppServices
from reader_app.ui.voice_studio_tabs import CloneTab, DesignTab, PresetsTab, SavedVoicesPanel, add_model
from reader_app.ui.voice_studio_worker import ClipPlayer, EngineCache, StudioWorker
from reader_app.voices import library as lib

if TYPE_CHECKING:  # annotation only: the microphone module loads when recording starts
    from reader_app.audio.microphone import Recorder

LANGUAGES = ("English", "Chinese", "Japanese", "Korean", "German", "French", "Russian", "Portuguese", "Spanish",
             "Italian")
_KIND_LABEL = {VoiceKind.PRESET: "Preset", VoiceKind.DESIGN: "Designed", VoiceKind.CLONE: "Cloned"}
VOICE_ROLE = Qt.ItemDataRole.UserRole  # a voice list row's VoiceEntry


class VoiceStudioDialog(QDialog):
    preview_ready = Signal(object)  # AudioClip

    def __init__(self, services: AppServices, parent: QWidget | None = None, *,
                 engine_factory: Callable[[str], Any] | None = None,
                 microphone_factory: Callable[[], Any] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Voice Studio")
        self.services = services
        self._microphone_factory = microphone_factory
        self.worker = StudioWorker(EngineCache(engine_factory or self._load_engine), self)
        self.worker.finished_job.connect(self._job_done)
        self.worker.failed_job.connect(self._job_failed)
        self.worker.busy_changed.connect(self._set_busy)
        self.player = ClipPlayer(services.make_output)
        self.recorder: Recorder | None = None
        self._design_preview: tuple[str, AudioClip, str] | None = None  # (description, clip, text)
        self._build(self._models())
        self._meter_timer = QTimer(self)
        self._meter_timer.setInterval(50)
        self._meter_timer.timeout.connect(self._update_meter)
        self.refresh_voices()
        self._update_notice()
        self.resize(980, 560)

    # -- setup ------------------------------------------------------------------------------------------
    def _load_engine(self, folder: str):
        from reader_app.narration.engine_provider import studio_engine  # in its own process: no torch here

        return studio_engine(folder, self.services.settings, self.services.engine_options)

    def _models(self) -> dict[ModelKind, list[tuple[str, str]]]:
        """Model folders by kind: the configured model, installed ones, and those chosen here before."""
        from reader_app.models.catalog import find_installed_models, inspect_model

        infos = []
        try:
            configured = self.services.local_model_info()  # a speech server's model is no folder to use here
            if configured is not None:
                infos.append(configured)
        except (EngineError, OSError):  # an invalid configured model just is not offered
            pass
        remembered = self.services.settings.extra.get("voice_studio_models")
        for folder in remembered.values() if isinstance(remembered, dict) else ():  # a hand-edited file: anything
            if not isinstance(folder, str):
                continue
            try:
                infos.append(inspect_model(folder))
            except (EngineError, OSError):  # a folder chosen here before and gone since
                continue
        infos.extend(find_installed_models())
        out: dict[ModelKind, list[tuple[str, str]]] = {kind: [] for kind in ModelKind}
        for info in infos:
            pair = (info.describe(), str(info.path))
            if pair not in out[info.kind]:
                out[info.kind].append(pair)
        return out

    def _build(self, models: dict[ModelKind, list[tuple[str, str]]]) -> None:
        presets = [v for v in lib.list_voices(VoiceKind.PRESET) if v.builtin]
        self.presets = PresetsTab(models[ModelKind.CUSTOM_VOICE], presets)
        self.design = DesignTab(models[ModelKind.VOICE_DESIGN], models[ModelKind.BASE])
        self.clone = CloneTab(models[ModelKind.BASE])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.presets, "Presets")
        self.tabs.addTab(self.design, "Design")
        self.tabs.addTab(self.clone, "Clone")

        self.language = QComboBox()
        self.language.addItems(LANGUAGES)
        saved = SavedVoicesPanel()
        self.voice_list, self.voice_about = saved.voice_list, saved.about
        self.preview_btn, self.export_btn = saved.preview, saved.export
        self.import_btn, self.delete_btn = saved.import_, saved.delete

        split = QSplitter()
        split.addWidget(self.tabs)
        split.addWidget(saved)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.status = QLabel("Choose a preset, design a voice from a description, or clone one from a recording.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_btn = QPushButton("Close")
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Preview language"))
        bottom.addWidget(self.language)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.close_btn)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)

        self.presets.model.currentIndexChanged.connect(self._update_notice)
        self.presets.instruct.textChanged.connect(self._update_notice)
        self.presets.preview.clicked.connect(self.preview_preset)
        self.presets.save.clicked.connect(self.save_preset)
        self.design.preview.clicked.connect(self.preview_design)
        self.design.save.clicked.connect(self.save_design)
        self.clone.choose.clicked.connect(self._choose_reference)
        self.clone.record.clicked.connect(self.toggle_recording)
        self.clone.save.clicked.connect(self.save_clone)
        for combo, browse in ((self.presets.model, self.presets.browse), (self.design.model, self.design.browse),
                              (self.design.clone_model, self.design.clone_browse),
                              (self.clone.model, self.clone.browse)):
            browse.clicked.connect(lambda _=False, c=combo: self._browse_model(c))
        self.voice_list.currentItemChanged.connect(self._voice_selected)
        self.preview_btn.clicked.connect(self.preview_selected)
        self.export_btn.clicked.connect(self.export_selected)
        self.import_btn.clicked.connect(self.import_voice)
        self.delete_btn.clicked.connect(self.delete_selected)
        self.close_btn.clicked.connect(self.accept)

    # -- messages and dialogs (overridable in tests) ----------------------------------------------------
    def show_status(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.status.setText(text)

    def ask_open_file(self, title: str, filters: str) -> str:
        return QFileDialog.getOpenFileName(self, title, str(Path.home()), filters)[0]

    def ask_save_file(self, title: str, suggested: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self, title, str(Path.home() / suggested), filters)[0]

    def ask_folder(self, title: str) -> str:
        return QFileDialog.getExistingDirectory(self, title, str(Path.home()))

    def confirm(self, question: str) -> bool:
        return QMessageBox.question(self, "Voice Studio", question) == QMessageBox.StandardButton.Yes

    # -- presets ----------------------------------------------------------------------------------------
    def _update_notice(self) -> None:
        from reader_app.models.catalog import inspect_model

        folder = self.presets.model.currentData()
        text = "" if folder else "No CustomVoice model found: choose its folder with Browse…"
        if folder:
            try:
                if inspect_model(folder).ignores_instructions:
                    text = ("This model (0.6B CustomVoice) ignores style instructions: the speaker will sound the "
                            "same whatever you write. Use a 1.7B CustomVoice model to change the style.")
            except (EngineError, OSError) as exc:  # the folder went bad since it was listed: say why
                text = str(exc)
        self.presets.notice.setText(text)
        self.presets.notice.setVisible(bool(text))

    def _preset_spec(self) -> VoiceSpec:
        entry = self.presets.speaker.currentData()
        return VoiceSpec(kind=VoiceKind.PRESET, speaker=entry.speaker,
                         instruct=self.presets.instruct.text().strip() or None)

    def preview_preset(self) -> None:
        self._preview("preset", self.presets.model.currentData(), self._preset_spec())

    def save_preset(self) -> None:
        entry, spec = self.presets.speaker.currentData(), self._preset_spec()
        name, speaker = self.presets.name.text().strip(), spec.speaker
        if speaker is None:  # a bundled preset without its speaker: a damaged voices folder
            return self.show_status(f"{entry.name} names no preset speaker.", error=True)
        self._run_sync(lambda: lib.save_preset_voice(name, speaker, spec.instruct, language=entry.language,
                                                     description=f"{entry.name}: {spec.instruct or 'no style'}"),
                       "Saved {0.name}.")

    # -- design -----------------------------------------------------------------------------------------
    def _description(self) -> str:
        return self.design.description.toPlainText().strip()

    def preview_design(self) -> None:
        if not self._description():
            return self.show_status("Describe the voice first.", error=True)
        self._preview("design", self.design.model.currentData(),
                      VoiceSpec(kind=VoiceKind.DESIGN, description=self._description()))

    def save_design(self) -> None:
        description, name = self._description(), self.design.name.text().strip()
        design_folder, clone_folder = self.design.model.currentData(), self.design.clone_model.currentData()
        language = self.language.currentText()
        cached = self._design_preview if self._design_preview and self._design_preview[0] == description else None

        def job(engines: EngineCache):
            clip, text = (cached[1], cached[2]) if cached else (None, None)
            if clone_folder and clip is None:
                text = lib.sample_sentence(language)
                designed = VoiceSpec(kind=VoiceKind.DESIGN, description=description)
                clip = lib.preview(engines.get(design_folder), designed, language, text)
            return lib.save_designed_voice(name, description, preview=clip, sample_text=text, language=language,
                                           clone_engine=engines.get(clone_folder) if clone_folder else None)

        self.show_status("Saving the designed voice…")
        self.worker.submit("saved", job)

    # -- clone ------------------------------------------------------------------------------------------
    def _choose_reference(self) -> None:
        path = self.ask_open_file("Choose a recording", "Audio (*.wav *.flac *.ogg *.mp3);;All files (*)")
        if path:
            self.clone.file.setText(path)
            self.clone.recorded = None

    def toggle_recording(self) -> None:
        if self.recorder is not None and self.recorder.recording:
            return self.stop_recording()
        from reader_app.audio.microphone import (
            MicrophoneError,
            Recorder,
            open_microphone,
        )

        try:
            mic = (self._microphone_factory or open_microphone)()
            self.recorder = Recorder(mic)
            self.recorder.start()
        except MicrophoneError as exc:
            return self.show_status(str(exc), error=True)
        self.clone.record.setText("■ Stop")
        self.show_status("Recording… read a few sentences aloud (3 to 30 seconds).")
        self._meter_timer.start()

    def stop_recording(self) -> None:
        self._meter_timer.stop()
        if self.recorder is None:
            return
        samples = self.recorder.stop()
        self.clone.record.setText("● Record")
        self.clone.meter.setValue(0)
        self.clone.recorded = (samples, self.recorder.sample_rate)
        self.clone.file.clear()
        self.show_status(f"Recorded {samples.size / self.recorder.sample_rate:.1f} s. Add the transcript and save.")

    def _update_meter(self) -> None:
        rec = self.recorder
        if rec is None:
            return
        self.clone.meter.setValue(int(max(0.0, min(1.0, (rec.level_db + 60) / 60)) * 100))
        self.clone.seconds.setText(f"{rec.seconds:.1f} s")
        if not rec.recording or not rec.microphone.active:
            self.stop_recording()

    def save_clone(self) -> None:
        folder, name = self.clone.model.currentData(), self.clone.name.text().strip()
        text = self.clone.transcript.toPlainText().strip() or None
        path, recorded = self.clone.file.text().strip(), self.clone.recorded
        source: str | np.ndarray
        if path:
            source, rate, origin = path, None, "file"
        elif recorded is not None:
            source, rate, origin = recorded[0], recorded[1], "microphone"
        else:
            return self.show_status("Choose a recording file or record from the microphone first.", error=True)
        language = self.language.currentText()  # read widgets here, never on the worker thread
        self.show_status("Cloning the voice…")
        self.worker.submit("saved", lambda engines: lib.clone_voice(
            name, source, engines.get(folder), sample_rate=rate, ref_text=text, language=language, origin=origin))

    # -- voice list -------------------------------------------------------------------------------------
    def refresh_voices(self, select: str | None = None) -> None:
        self.voice_list.clear()
        for entry in lib.list_voices():
            kind = _KIND_LABEL[entry.kind] if entry.origin != "design" else "Designed"
            item = QTreeWidgetItem([entry.name, kind + ("" if entry.builtin else " ★"), entry.language or "–"])
            item.setData(0, VOICE_ROLE, entry)
            item.setToolTip(0, entry.description)
            self.voice_list.addTopLevelItem(item)
            if select and entry.name == select:
                self.voice_list.setCurrentItem(item)
        self._voice_selected()

    def selected_voice(self) -> lib.VoiceEntry | None:
        item = self.voice_list.currentItem()
        return item.data(0, VOICE_ROLE) if item is not None else None

    def select_voice(self, name: str) -> None:
        for i in range(self.voice_list.topLevelItemCount()):
            item = self.voice_list.topLevelItem(i)
            if item is not None and item.text(0).lower() == name.lower():
                self.voice_list.setCurrentItem(item)

    def _voice_selected(self, *_args) -> None:
        entry = self.selected_voice()
        self.voice_about.setText(entry.description if entry else "Select a voice to preview, export or delete it.")
        for b in (self.preview_btn, self.export_btn):
            b.setEnabled(entry is not None)
        self.delete_btn.setEnabled(entry is not None and not entry.builtin)

    def _model_for(self, kind: VoiceKind) -> str:
        combo = {VoiceKind.PRESET: self.presets.model, VoiceKind.DESIGN: self.design.model,
                 VoiceKind.CLONE: self.clone.model}[kind]
        return combo.currentData() or ""

    def preview_selected(self) -> None:
        entry = self.selected_voice()
        if entry is not None:
            self._preview("voice", self._model_for(entry.kind), entry)

    def export_selected(self) -> None:
        entry = self.selected_voice()
        if entry is None:
            return
        path = self.ask_save_file("Export voice", f"{entry.path.name}.voice", "Voices (*.voice)")
        if path:
            self._run_sync(lambda: lib.export_voice(entry.name, path), "Exported to {0}.")

    def import_voice(self) -> None:
        """On the worker thread: a hostile archive may take its time to be refused, the window must not."""
        path = self.ask_open_file("Import a voice", "Voices (*.voice);;All files (*)")
        if path:
            self.show_status("Importing the voice…")
            self.worker.submit("imported", lambda engines: lib.import_voice(path))

    def delete_selected(self) -> None:
        entry = self.selected_voice()
        if entry is not None and not entry.builtin and self.confirm(f"Delete the voice {entry.name}?"):
            self._run_sync(lambda: lib.delete_voice(entry.name), f"Deleted {entry.name}.")

    # -- plumbing ---------------------------------------------------------------------------------------
    def _browse_model(self, combo: QComboBox) -> None:
        from reader_app.models.catalog import inspect_model

        folder = self.ask_folder("Choose a Qwen3-TTS model folder")
        if not folder:
            return
        try:
            info = inspect_model(folder)
        except (EngineError, OSError) as exc:  # not a checkpoint: say why
            return self.show_status(str(exc), error=True)
        add_model(combo, info.describe(), str(info.path))
        remembered = self.services.settings.extra.get("voice_studio_models")
        remembered = dict(remembered) if isinstance(remembered, dict) else {}
        self.services.settings.extra["voice_studio_models"] = {**remembered, str(info.kind): str(info.path)}
        self._update_notice()

    def _run_sync(self, action: Callable[[], Any], done: str) -> None:
        """Quick file work (no model): run here, report in the status line."""
        try:
            result = action()
        except (EngineError, OSError) as exc:
            return self.show_status(str(exc), error=True)
        self.show_status(done.format(result))
        self.refresh_voices(select=getattr(result, "name", None))

    def _preview(self, tag: str, folder: str, voice) -> None:
        language = self.language.currentText()
        self.show_status("Generating a preview…")
        text = lib.sample_sentence(language)
        self.worker.submit(f"preview:{tag}", lambda engines: (lib.preview(engines.get(folder), voice, language, text),
                                                              text))

    def _job_done(self, tag: str, result: Any) -> None:
        if tag.startswith("preview"):
            clip, text = result
            if tag == "preview:design":
                self._design_preview = (self._description(), clip, text)
            self.show_status(f"Preview: {clip.duration_s:.1f} s.")
            try:
                self.player.play(clip)
            except Exception as exc:  # noqa: BLE001 - no sound device: the preview still exists
                self.show_status(f"Preview ready, but it cannot be played: {exc}", error=True)
            self.preview_ready.emit(clip)
        elif tag == "saved":
            entry, notes = result
            self.refresh_voices(select=entry.name)
            self.show_status(" ".join([f"Saved {entry.name}."] + notes))
        elif tag == "imported":
            self.refresh_voices(select=result.name)
            self.show_status(f"Imported {result.name}.")

    def _job_failed(self, tag: str, message: str) -> None:
        self.show_status(message, error=True)

    def _set_busy(self, busy: bool) -> None:
        for b in (self.presets.preview, self.presets.save, self.design.preview, self.design.save, self.clone.save,
                  self.preview_btn):
            b.setEnabled(not busy)
        if not busy:
            self._voice_selected()

    def done(self, result: int) -> None:
        if self.recorder is not None:
            self.recorder.stop()
        self.player.stop()
        self.worker.shutdown()
        super().done(result)
