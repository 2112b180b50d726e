"""Clone prompts made by the engine process (the voice studio's way): a real spawned child over the tiny Base
checkpoint, compared with the same stock engine loaded in this process. No mocks."""

from __future__ import annotations

import dataclasses
import json
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from reader_app.narration.engine_provider import HOST_VARIABLE, studio_engine
from reader_app.service.process_engine import ProcessEngine
from reader_app.settings import Settings
from reader_app.tts.clone_prompt import PromptData, prompt_data, read_prompt_file, save_clone_prompt
from reader_app.tts.engine import EngineError, EngineHost, ModelKind, VoiceKind, VoiceSpec
from reader_app.voices import library as voices
from tests.support.audio import SR, speechlike

OPTIONS = {"greedy": True, "max_frames_per_char": 0.05, "margin_frames": 6}  # random weights never say EOS
TRANSCRIPT = "The quick brown fox jumps over the lazy dog."
SETTINGS = Settings(device="cpu", cpu_threads=1)  # one torch thread on both sides: the same floats


def _engine(tiny_base: Path, variable: str | None, setting: EngineHost = EngineHost.PROCESS):
    with pytest.MonkeyPatch.context() as patch:
        if variable is None:
            patch.delenv(HOST_VARIABLE, raising=False)
        else:
            patch.setenv(HOST_VARIABLE, variable)
        return studio_engine(str(tiny_base), dataclasses.replace(SETTINGS, engine_host=setting), dict(OPTIONS))


@pytest.fixture(scope="module")
def here(tiny_base):
    return _engine(tiny_base, "inline")


@pytest.fixture(scope="module")
def there(tiny_base):
    # Narration on a speech server: the studio still needs its local Base checkpoint, in a process of its own.
    engine = _engine(tiny_base, None, EngineHost.REMOTE)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ref") / "ref.wav"
    sf.write(str(path), speechlike(4.0), SR)
    return path


@pytest.fixture
def user_voices(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "voices"
    folder.mkdir()
    monkeypatch.setattr("reader_app.paths.voices_dir", lambda: folder)
    return folder


def _same(a: PromptData, b: PromptData) -> None:
    assert np.array_equal(a.embedding, b.embedding) and a.embedding.dtype == b.embedding.dtype == np.float32
    assert (a.codes is None) == (b.codes is None)
    if a.codes is not None:
        assert b.codes is not None and np.array_equal(a.codes, b.codes)
    assert (a.icl_mode, a.ref_text) == (b.icl_mode, b.ref_text)


def _content(path: Path) -> tuple[dict, bytes]:
    """A safetensors file as (header, tensor bytes): safetensors writes the metadata's keys in a random order
    on every save (a Rust HashMap), so two saves of one prompt differ in that order only."""
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + size]), data[8 + size:]


def test_the_studio_engine_runs_where_the_host_says(here, there):
    assert not isinstance(here, ProcessEngine)
    assert isinstance(there, ProcessEngine) and there.spec.engine == "stock" and there.pid is not None
    assert there.kind == ModelKind.BASE and there.info == here.info  # read from the folder, no model here


@pytest.mark.parametrize("transcript", [None, TRANSCRIPT], ids=["x-vector", "icl"])
def test_a_prompt_from_the_child_equals_the_one_made_in_this_process(here, there, recording, transcript):
    voice = VoiceSpec(kind=VoiceKind.CLONE, ref_audio=str(recording), ref_text=transcript)
    got = there.clone_prompt_for(voice)
    assert isinstance(got, PromptData)  # numpy: no torch tensor crosses the pipe
    _same(got, prompt_data(here.clone_prompt_for(voice)))
    assert got.icl_mode == (transcript is not None) and got.hidden_size == 64  # the tiny talker's


def test_either_form_of_a_prompt_saves_the_same_file(here, there, recording, tmp_path):
    voice = VoiceSpec(kind=VoiceKind.CLONE, ref_audio=str(recording), ref_text=TRANSCRIPT)
    from_torch = save_clone_prompt(here.clone_prompt_for(voice), tmp_path / "torch.safetensors")
    from_numpy = save_clone_prompt(prompt_data(here.clone_prompt_for(voice)), tmp_path / "numpy.safetensors")
    from_child = save_clone_prompt(there.clone_prompt_for(voice), tmp_path / "child.safetensors")
    assert _content(from_torch) == _content(from_numpy) == _content(from_child)
    assert from_torch.stat().st_size == from_numpy.stat().st_size == from_child.stat().st_size
    _same(read_prompt_file(from_child), read_prompt_file(from_torch))


@pytest.mark.parametrize("content, says", [(b"garbage", "Cannot read the reference recording"),
                                           (None, "too short")], ids=["not-audio", "too-short"])
def test_a_bad_recording_is_a_clear_engine_error_and_the_child_keeps_serving(there, recording, tmp_path, content,
                                                                               says):
    bad = tmp_path / "bad.wav"
    if content is None:
        sf.write(str(bad), speechlike(0.1)[:SR // 10], SR)
    else:
        bad.write_bytes(content)
    pid = there.pid
    with pytest.raises(EngineError, match=says) as raised:
        there.clone_prompt_for(VoiceSpec(kind=VoiceKind.CLONE, ref_audio=str(bad)))
    assert type(raised.value) is EngineError and "\n" not in str(raised.value)  # the user's reason, one line
    assert there.clone_prompt_for(VoiceSpec(kind=VoiceKind.CLONE, ref_audio=str(recording))).hidden_size == 64
    assert there.pid == pid


def test_a_voice_cloned_through_the_child_is_stored_as_one_cloned_here(here, there, recording, user_voices):
    mine, _ = voices.clone_voice("Here", recording, here, ref_text=TRANSCRIPT)
    theirs, _ = voices.clone_voice("There", recording, there, ref_text=TRANSCRIPT)
    assert theirs.model == mine.model
    assert mine.model == {"kind": "base", "size": here.info.size, "model_id": here.info.model_id, "hidden_size": 64}
    meta = json.loads((theirs.path / "voice.json").read_text())
    assert meta["model"] == mine.model and meta["ref_text"] == TRANSCRIPT
    assert _content(theirs.path / "prompt.safetensors") == _content(mine.path / "prompt.safetensors")
    clip = voices.preview(there, theirs)  # and the child speaks the stored voice
    assert clip.duration_s > 0
