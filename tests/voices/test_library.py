"""The voice library: bundled presets, user voices, cloning and designing on tiny checkpoints, reuse."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from reader_app.audio.microphone import FakeMicrophone, Recorder
from reader_app.models.catalog import inspect_model
from reader_app.narration.session import resolve_voice
from reader_app.tts.engine import EngineError, SynthesisRequest, VoiceSpec
from reader_app.voices import library as voices
from reader_app.voices.recording import VoiceInputError
from tests.support.audio import SR, speechlike

SPEAKERS = ["vivian", "serena", "uncle_fu", "dylan", "eric", "ryan", "aiden", "ono_anna", "sohee"]


def test_bundled_presets_and_designs(tiny_custom_voice):
    listed = voices.list_voices()
    presets = [v for v in listed if v.kind == "preset"]
    assert [v.speaker for v in presets] == SPEAKERS and all(v.builtin and v.description for v in presets)
    assert {v.language for v in presets} == {"Chinese", "English", "Japanese", "Korean"}
    assert len([v for v in listed if v.kind == "design"]) >= 3
    # Case-insensitive, and identical to the default preset spec (same cache keys as before the library).
    model = inspect_model(tiny_custom_voice)
    assert voices.find_voice("UNCLE_FU") == VoiceSpec(kind="preset", speaker="uncle_fu")
    assert resolve_voice(model, "Ryan") == VoiceSpec(kind="preset", speaker="ryan")
    assert voices.find_voice("nobody") is None and voices.find_voice("") is None


def test_preset_with_style_and_names(preset_engine):
    entry = voices.save_preset_voice("Calm Ryan", "ryan", "Speak slowly and calmly.")
    expected = VoiceSpec(kind="preset", speaker="ryan", instruct="Speak slowly and calmly.")
    assert voices.find_voice("calm ryan") == expected
    with pytest.raises(EngineError, match="built-in voice"):
        voices.save_preset_voice("vivian", "vivian")
    with pytest.raises(EngineError, match="another voice"):
        voices.save_preset_voice("CALM RYAN", "ryan")
    with pytest.raises(EngineError, match="cannot be used"):
        voices.save_preset_voice("../evil", "ryan")
    with pytest.raises(EngineError, match="built-in"):
        voices.delete_voice("vivian")
    clip = voices.preview(preset_engine, entry, "english")
    assert clip.sample_rate == SR and clip.samples.size > 0
    assert preset_engine.ignores_instructions  # the dialog and CLI tell the user so
    assert voices.delete_voice("Calm Ryan") and voices.find_voice("Calm Ryan") is None


def test_damaged_user_voice_is_skipped(user_voices):
    (user_voices / "broken").mkdir()
    (user_voices / "broken" / "voice.json").write_text("{not json")
    (user_voices / "evil").mkdir()
    (user_voices / "evil" / "voice.json").write_text('{"format": "reader-app-voice-v1", "name": "x", '
                                                     '"kind": "clone", "__reduce__": 1}')
    assert len(voices.list_voices()) == 13


def test_clone_from_file_with_transcript_then_reuse(tmp_path, base_engine, monkeypatch):
    path = tmp_path / "me.flac"
    sf.write(str(path), speechlike(5.0, rate=48_000, channels=2), 48_000)
    entry, notes = voices.clone_voice("Me", path, base_engine, ref_text="Hello, this is me reading.")
    assert entry.kind == "clone" and entry.origin == "file" and entry.has_prompt
    assert any("mono" in n for n in notes) and any("48000" in n for n in notes)
    spec = voices.find_voice("me")
    assert spec.prompt_path.endswith("prompt.safetensors") and spec.ref_text == "Hello, this is me reading."
    from reader_app.tts.clone_prompt import load_clone_prompt

    prompt = load_clone_prompt(spec.prompt_path)
    assert prompt.icl_mode and prompt.ref_code is not None
    # Reuse: the stored prompt is loaded, nothing is re-encoded.
    base_engine._prompts.clear()
    monkeypatch.setattr(base_engine.model, "create_voice_clone_prompt",
                        lambda *a, **k: pytest.fail("prompt recomputed"))
    clip = base_engine.synthesize([SynthesisRequest("Good evening.", spec, "english")])[0]
    assert clip.samples.size > 0 and np.isfinite(clip.samples).all()


def test_clone_from_fake_microphone_without_transcript(base_engine):
    recorder = Recorder(FakeMicrophone(speechlike(4.0, level=0.05), SR, block_frames=2400), max_seconds=30)
    recorder.start()
    recorder.microphone._thread.join(5)
    samples = recorder.stop()
    assert samples.size == int(5.0 * SR) and recorder.peak > 0
    entry, notes = voices.clone_voice("Mic", samples, base_engine, sample_rate=SR, origin="microphone")
    assert entry.origin == "microphone" and any("x-vector" in n for n in notes)
    assert any("Raised the level" in n for n in notes)
    from reader_app.tts.clone_prompt import load_clone_prompt

    assert load_clone_prompt(voices.find_voice("mic").prompt_path).x_vector_only_mode


def test_recorder_stops_at_the_maximum():
    finished = []
    recorder = Recorder(FakeMicrophone(speechlike(6.0), SR), max_seconds=3.0, on_finished=lambda: finished.append(1))
    recorder.start()
    recorder.microphone._thread.join(5)
    assert recorder.seconds == pytest.approx(3.0) and not recorder.recording


def test_bad_clone_input_leaves_no_voice(tmp_path, base_engine, user_voices):
    with pytest.raises(VoiceInputError, match="silent"):
        voices.clone_voice("Quiet", np.zeros(SR * 4, np.float32), base_engine, sample_rate=SR)
    with pytest.raises(EngineError, match="Base model"):
        voices.clone_voice("Wrong", speechlike(4.0), object(), sample_rate=SR)
    assert voices.get_voice("Quiet") is None and not [p for p in user_voices.iterdir()]


def test_design_then_clone_and_description_only(design_engine, base_engine):
    description = "A deep, calm narrator."
    text = voices.sample_sentence("english")
    clip = voices.preview(design_engine, VoiceSpec(kind="design", description=description), "english", text)
    assert clip.duration_s >= 3.0
    entry, _ = voices.save_designed_voice("Deep", description, preview=clip, sample_text=text,
                                          language="English", clone_engine=base_engine)
    assert entry.kind == "clone" and entry.origin == "design" and entry.design_description == description
    spec = voices.find_voice("deep")
    assert spec.kind == "clone" and spec.ref_text == text
    assert base_engine.synthesize([SynthesisRequest("Once upon a time.", spec)])[0].samples.size > 0
    only, notes = voices.save_designed_voice("Airy", "A light, airy voice.", preview=clip)
    assert only.kind == "design" and notes and voices.find_voice("airy").description == "A light, airy voice."
    with pytest.raises(EngineError, match="Describe the voice"):
        voices.save_designed_voice("Empty", "  ")
    with pytest.raises(EngineError, match="needs a voice_design model"):
        voices.preview(base_engine, "Airy")


def test_a_nested_or_oversized_voice_json_hides_only_itself(user_voices):
    for name, text in (("deep", "[" * 3000 + "]" * 3000), ("deeper", '{"name": ' + "[" * 100_000),
                       ("huge", '{"notes": ["' + "x" * (1 << 20) + '"]}'), ("folder", None)):
        (user_voices / name).mkdir()
        if text is None:
            (user_voices / name / "voice.json").mkdir()  # not a file at all
        else:
            (user_voices / name / "voice.json").write_text(text)
    voices.save_preset_voice("Still Here", "ryan")
    listed = voices.list_voices()
    assert len(listed) == 14 and voices.get_voice("still here") is not None
