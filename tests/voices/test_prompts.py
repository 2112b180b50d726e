"""Stored clone prompts from a shared .voice: every field checked on import and on every load, so a prompt that
would crash the model (KeyError, IndexError, TypeError) or slow every sentence down is refused in one line."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from safetensors.numpy import save_file

from reader_app.cli.main import main
from reader_app.tts.clone_prompt import MAX_REF_FRAMES, ClonePromptError, load_clone_prompt, read_prompt_file
from reader_app.tts.engine import EngineError, SynthesisRequest
from reader_app.voices import library as voices
from reader_app.voices.files import VoiceFileError
from tests.support.stock import load_wrapper

HIDDEN = 64  # the tiny Base checkpoint's talker
TINY = ["--threads", "1", "--max-frames-per-char", "0.05", "--margin-frames", "6", "--greedy"]


def _good() -> tuple[dict[str, np.ndarray], dict[str, str]]:
    rng = np.random.default_rng(0)
    tensors = {"ref_spk_embedding": rng.standard_normal(HIDDEN).astype(np.float32),
               "ref_code": rng.integers(0, 2048, (20, 16), dtype=np.int64)}
    meta = {"format": "reader-app-clone-prompt-v1", "icl_mode": "true", "x_vector_only_mode": "false",
            "ref_text": json.dumps("Hello there, this is me."), "sample_rate": "24000"}
    return tensors, meta


def _codes(change):
    def apply(tensors, meta):
        tensors["ref_code"] = change(tensors["ref_code"])
    return apply


def _embedding(change):
    def apply(tensors, meta):
        tensors["ref_spk_embedding"] = change(tensors["ref_spk_embedding"])
    return apply


def _meta(**changes):
    def apply(tensors, meta):
        for key, value in changes.items():
            if value is None:
                meta.pop(key, None)
            else:
                meta[key] = value
    return apply


def _set(array, value):
    array = array.copy()
    array[3, 5] = value
    return array


def _x_vector_with_codes(tensors, meta):
    meta.update(icl_mode="false", x_vector_only_mode="true")


def _icl_without_codes(tensors, meta):
    del tensors["ref_code"]


def _extra_tensor(tensors, meta):
    tensors["payload"] = np.zeros(4, np.float32)


HOSTILE = {
    "no icl_mode": (_meta(icl_mode=None), "lacks 'icl_mode'"),
    "icl_mode not a bool": (_meta(icl_mode='"yes"'), "icl_mode must hold true or false"),
    "modes contradict": (_meta(x_vector_only_mode="true"), "contradict"),
    "code 1e9": (_codes(lambda c: _set(c, 10**9)), r"outside 0\.\.2047"),
    "code -5": (_codes(lambda c: _set(c, -5)), r"outside 0\.\.2047"),
    "control id as code": (_codes(lambda c: _set(c, 2150)), r"outside 0\.\.2047"),
    "float16 codes": (_codes(lambda c: c.astype(np.float16)), "ref_code is F16, not I64"),
    "int32 codes": (_codes(lambda c: c.astype(np.int32)), "ref_code is I32, not I64"),
    "1-D codes": (_codes(lambda c: c[:, 0].copy()), "ref_code has shape"),
    "8 codebooks": (_codes(lambda c: c[:, :8].copy()), "ref_code has shape"),
    "3-D codes": (_codes(lambda c: c[:, :, None].copy()), "ref_code has shape"),
    "no frames": (_codes(lambda c: c[:0].copy()), "ref_code has shape"),
    "6000 frames": (_codes(lambda c: np.zeros((6000, 16), np.int64)), "6000 frames"),
    "null ref_text in ICL": (_meta(ref_text="null"), "no ref_text"),
    "blank ref_text in ICL": (_meta(ref_text='"   "'), "no ref_text"),
    "ref_text a number": (_meta(ref_text="123"), "ref_text must hold"),
    "ref_text not JSON": (_meta(ref_text="{oops"), "ref_text is not valid JSON"),
    "ref_text nested": (_meta(ref_text="[" * 5000 + "]" * 5000), "nested too deeply"),
    "ref_text huge": (_meta(ref_text=json.dumps("x" * 5000)), "longer than 2000"),
    "NaN embedding": (_embedding(lambda e: np.full_like(e, np.nan)), "NaN or infinite"),
    "infinite embedding": (_embedding(lambda e: np.where(np.arange(e.size) == 3, np.inf, e).astype(e.dtype)),
                           "NaN or infinite"),
    "2-D embedding": (_embedding(lambda e: e.reshape(8, 8).copy()), "ref_spk_embedding has shape"),
    "float64 embedding": (_embedding(lambda e: e.astype(np.float64)), "ref_spk_embedding is F64"),
    "x-vector with codes": (_x_vector_with_codes, "x-vector mode but holds ref_code"),
    "ICL without codes": (_icl_without_codes, "ICL mode but has no ref_code"),
    "extra tensor": (_extra_tensor, "it holds payload"),
    "not this app's": (_meta(format="something-else"), "not a voice prompt saved by this app"),
    "another sample rate": (_meta(sample_rate="16000"), "16000"),
}


def _prompt_file(path, case: str | None = None):
    tensors, meta = _good()
    if case is not None:
        HOSTILE[case][0](tensors, meta)
    save_file(tensors, str(path), metadata=meta)
    return path


def _voice_json(name: str = "Shared Clone", hidden: int = HIDDEN) -> dict:
    return {"format": "reader-app-voice-v1", "name": name, "kind": "clone", "origin": "file",
            "description": "A shared voice.", "ref_text": "Hello there, this is me.",
            "model": {"kind": "base", "hidden_size": hidden}}


def _saved_voice(folder, case: str | None, name: str = "Loaded Clone"):
    """A voice folder as if it had been put in the voices folder by hand (no import check on the way)."""
    folder.mkdir()
    (folder / "voice.json").write_text(json.dumps(_voice_json(name)), encoding="utf-8")
    _prompt_file(folder / "prompt.safetensors", case)
    return voices.find_voice(name)


@pytest.fixture(scope="module")
def fast_engine(tiny_base):
    from reader_app.tts.fast import FastEngine, FastSettings

    return FastEngine.from_wrapper(load_wrapper(str(tiny_base)), FastSettings(device="cpu", max_frames=8),
                                   model_id="tiny")


def test_a_valid_prompt_is_read_and_speaks_with_both_engines(tmp_path, user_voices, base_engine, fast_engine):
    data = read_prompt_file(_prompt_file(tmp_path / "p.safetensors"), hidden_size=HIDDEN)
    assert data.icl_mode and data.codes.shape == (20, 16) and data.ref_text == "Hello there, this is me."
    spec = _saved_voice(user_voices / "good", None)
    for engine in (base_engine, fast_engine):
        clip = engine.synthesize([SynthesisRequest("Hi.", spec, "english")])[0]
        assert clip.samples.size > 0 and np.isfinite(clip.samples).all()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_prompt_is_refused_on_import(tmp_path, user_voices, case):
    archive = tmp_path / "shared.voice"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("voice.json", json.dumps(_voice_json()))
        zf.write(_prompt_file(tmp_path / "prompt.safetensors", case), "prompt.safetensors")
    with pytest.raises(VoiceFileError, match=HOSTILE[case][1]) as refused:
        voices.import_voice(archive)
    assert "\n" not in str(refused.value)
    assert list(user_voices.iterdir()) == [] and voices.get_voice("Shared Clone") is None


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_prompt_is_refused_on_load_by_both_engines(tmp_path, user_voices, base_engine, fast_engine,
                                                             case):
    with pytest.raises(ClonePromptError, match=HOSTILE[case][1]):
        load_clone_prompt(_prompt_file(tmp_path / "prompt.safetensors", case))
    spec = _saved_voice(user_voices / "bad", case)
    for engine in (base_engine, fast_engine):
        with pytest.raises(EngineError, match=HOSTILE[case][1]) as refused:
            engine.synthesize([SynthesisRequest("Hi.", spec, "english")])
        assert "\n" not in str(refused.value)


def test_a_prompt_of_another_model_size_is_refused_on_import_and_on_load(tmp_path, user_voices, base_engine,
                                                                         fast_engine):
    small = tmp_path / "small.safetensors"
    tensors, meta = _good()
    tensors["ref_spk_embedding"] = tensors["ref_spk_embedding"][:32].copy()
    save_file(tensors, str(small), metadata=meta)
    archive = tmp_path / "shared.voice"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("voice.json", json.dumps(_voice_json()))  # claims hidden size 64
        zf.write(small, "prompt.safetensors")
    with pytest.raises(VoiceFileError, match="does not match its description"):
        voices.import_voice(archive)
    folder = user_voices / "small"
    folder.mkdir()
    (folder / "voice.json").write_text(json.dumps(_voice_json("Small", hidden=32)), encoding="utf-8")
    (folder / "prompt.safetensors").write_bytes(small.read_bytes())
    for engine in (base_engine, fast_engine):
        with pytest.raises(EngineError, match="different model size"):
            engine.synthesize([SynthesisRequest("Hi.", voices.find_voice("Small"), "english")])


def test_garbage_prompt_and_the_speak_command(tmp_path, user_voices, tiny_base, capsys):
    garbage = tmp_path / "prompt.safetensors"
    garbage.write_bytes(b"\xff" * 64)
    with pytest.raises(ClonePromptError, match="not a valid safetensors"):
        load_clone_prompt(garbage)
    _saved_voice(user_voices / "bad", "code 1e9", name="Broken")
    assert main(["speak", "--model", str(tiny_base), "--voice", "Broken", "--text", "Hello.",
                 "-o", str(tmp_path / "out.wav"), *TINY]) != 0
    err = capsys.readouterr().err
    assert "outside 0..2047" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_real_clone_fits_the_caps(tmp_path, base_engine):
    """A 30 s reference (the longest kept) gives exactly the frame cap; the saved prompt reads back."""
    import soundfile as sf

    from tests.support.audio import SR, speechlike

    path = tmp_path / "long.wav"
    sf.write(str(path), speechlike(40.0), SR)
    entry, notes = voices.clone_voice("Long", path, base_engine, ref_text=None)
    data = read_prompt_file(entry.path / "prompt.safetensors", hidden_size=HIDDEN)
    assert not data.icl_mode and data.codes is None
    entry, _ = voices.clone_voice("Long ICL", speechlike(30.0)[: 30 * SR], base_engine, sample_rate=SR,
                                  ref_text="Thirty seconds of me.")
    data = read_prompt_file(entry.path / "prompt.safetensors", hidden_size=HIDDEN)
    assert data.icl_mode and data.codes.shape[0] <= MAX_REF_FRAMES


def test_a_reference_recording_without_its_prompt_is_bounded_too(tmp_path, user_voices, base_engine, fast_engine):
    """A voice folder with only its recording: the engines build the prompt from it, through the same bounds."""
    import soundfile as sf

    from tests.support.audio import SR, speechlike

    for name, seconds, rate, channels in (("Hires", 30.0, 192_000, 8), ("Long", 70.0, SR, 1)):
        folder = user_voices / name.lower()
        folder.mkdir()
        (folder / "voice.json").write_text(json.dumps({**_voice_json(name), "ref_text": None}), encoding="utf-8")
        signal = np.zeros(int(seconds * rate), np.float32)
        signal[: 4 * rate] = speechlike(3.0, rate=rate)[: 4 * rate]
        sf.write(str(folder / "ref.flac"), np.repeat(signal[:, None], channels, axis=1), rate, subtype="PCM_16")
        for engine in (base_engine, fast_engine):
            with pytest.raises(EngineError, match="too long or too large"):
                engine.synthesize([SynthesisRequest("Hi.", voices.find_voice(name), "english")])
    folder = user_voices / "short"
    folder.mkdir()
    (folder / "voice.json").write_text(json.dumps({**_voice_json("Short"), "ref_text": None}), encoding="utf-8")
    sf.write(str(folder / "ref.flac"), np.repeat(speechlike(4.0)[:, None], 2, axis=1), SR)
    for engine in (base_engine, fast_engine):
        assert engine.synthesize([SynthesisRequest("Hi.", voices.find_voice("Short"), "english")])[0].samples.size
