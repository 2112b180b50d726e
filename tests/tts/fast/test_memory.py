"""An engine that loads its own model keeps one copy of each weight: the stock talker and code predictor
weights it packed are freed, prompts and the codec still work; dense weights shared with stock stay."""

from __future__ import annotations

from reader_app.tts.engine import SynthesisRequest, VoiceSpec

REQUEST = SynthesisRequest("It was the best of times.", VoiceSpec(kind="preset", speaker="ryan"), "english")


def _stock_layer_bytes(engine) -> int:
    talker = engine.wrapper.model.talker
    modules = [talker.model.layers, talker.code_predictor.model.layers, talker.code_predictor.lm_head,
               talker.codec_head]
    return sum(p.numel() * p.element_size() for m in modules for p in m.parameters())


def test_packed_weights_free_the_stock_copies_and_the_engine_still_speaks(tiny_custom_voice):
    from reader_app.tts.fast import FastEngine

    engine = FastEngine(tiny_custom_voice, device="cpu", weights="fp16_packed", max_frames=8)
    assert _stock_layer_bytes(engine) == 0
    assert engine.wrapper.model.talker.model.text_embedding.weight.numel() > 0  # prompts still need it
    assert engine.wrapper.model.speech_tokenizer.model.decoder is engine.codec
    clip = engine.synthesize([REQUEST])[0]
    assert clip.duration_s > 0


def test_dense_weights_shared_with_stock_are_kept(tiny_custom_voice):
    from reader_app.tts.fast import FastEngine

    engine = FastEngine(tiny_custom_voice, device="cpu", dtype="float32", weights="dense", max_frames=8)
    assert _stock_layer_bytes(engine) > 0  # the engine's dense layers view these very tensors
    assert engine.synthesize([REQUEST])[0].duration_s > 0


def test_an_engine_on_a_shared_wrapper_frees_nothing(tiny_custom_voice):
    from reader_app.tts.fast import FastEngine, FastSettings
    from tests.support.stock import load_wrapper

    engine = FastEngine.from_wrapper(load_wrapper(str(tiny_custom_voice)), FastSettings(device="cpu",
                                     weights="fp16_packed"), "tiny")
    assert _stock_layer_bytes(engine) > 0  # other engines and stock generation use the same wrapper


def test_a_clone_prompt_still_builds_after_the_release(tiny_base, tmp_path):
    """ICL prompts embed the reference codes with the predictor's codebook embeddings: those must stay."""
    import numpy as np
    import soundfile as sf

    from reader_app.tts.fast import FastEngine

    ref = tmp_path / "ref.wav"
    t = np.arange(24000) / 24000
    sf.write(ref, (0.3 * np.sin(2 * np.pi * 180 * t)).astype(np.float32), 24000)
    engine = FastEngine(tiny_base, device="cpu", weights="fp16_packed", max_frames=6)
    assert _stock_layer_bytes(engine) == 0
    voice = VoiceSpec(kind="clone", ref_audio=str(ref), ref_text="Hello world, this is a test.")
    clip = engine.synthesize([SynthesisRequest("Call me Ishmael.", voice, "english")])[0]
    assert clip.duration_s > 0
