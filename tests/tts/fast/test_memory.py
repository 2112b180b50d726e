"""An engine that loads its own model keeps one copy of each weight: the stock talker and code predictor
weights it packed are freed, prompts and the codec still work; dense weights shared with stock stay."""

from __future__ import annotations

import sys

import pytest

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


def test_the_codec_transformer_is_packed_and_decodes_as_before(tiny_custom_voice, monkeypatch):
    import numpy as np
    import torch
    from torch import nn

    from reader_app.tts import placement
    from reader_app.tts.fast import FastEngine
    from reader_app.tts.fast.codec_stream import decode_codes
    from reader_app.tts.fast.linear import PackedFp16Module
    from tests.support.stock import load_wrapper

    monkeypatch.setattr(placement, "cpu_has_native_bf16", lambda: False)  # the fp32 codec of most CPUs
    engine = FastEngine(tiny_custom_voice, device="cpu", weights="int8", max_frames=8)
    assert engine.streaming_codec.fp16_taps
    layers = engine.codec.pre_transformer.layers
    assert not any(isinstance(m, nn.Linear) for m in layers.modules())  # no fp32 copy of them is kept
    packed = [m for m in layers.modules() if isinstance(m, PackedFp16Module)]
    assert packed
    dense = FastEngine(tiny_custom_voice, device="cpu", dtype="float32", weights="dense", max_frames=8)
    assert not any(isinstance(m, PackedFp16Module) for m in dense.codec.modules())  # dense: stock math
    # the reference: the stock codec as the packed engine loads it (bf16, as the packed formats load), in fp32
    reference = load_wrapper(str(tiny_custom_voice), dtype=torch.bfloat16).model.speech_tokenizer.model.decoder
    codes = np.random.default_rng(1).integers(0, 2048, (40, 16))
    ours, stock = decode_codes(engine.codec, codes), decode_codes(reference.float(), codes)
    assert np.sqrt(np.mean(stock ** 2)) > 0.01
    assert np.max(np.abs(ours - stock)) < 1e-3  # fp16 copies of bf16-born weights: float rounding only
    with torch.no_grad():  # the streaming path runs the same modules
        assert engine.synthesize([REQUEST])[0].duration_s > 0


def test_a_cpu_with_bf16_math_keeps_the_codec_in_bf16_unpacked(tiny_custom_voice, monkeypatch):
    import torch

    from reader_app.tts import placement
    from reader_app.tts.fast import FastEngine
    from reader_app.tts.fast.linear import PackedFp16Module

    monkeypatch.setattr(placement, "cpu_has_native_bf16", lambda: True)
    engine = FastEngine(tiny_custom_voice, device="cpu", weights="int8", max_frames=8)
    assert next(engine.codec.parameters()).dtype == torch.bfloat16  # bf16 convolutions run natively there
    assert not any(isinstance(m, PackedFp16Module) for m in engine.codec.modules())
    assert not engine.streaming_codec.fp16_taps
    assert engine.synthesize([REQUEST])[0].duration_s > 0


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


def _vm_rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise on /proc/self/maps: Linux only")
def test_a_mapped_checkpoint_tensors_pages_leave_the_resident_set_and_its_data_stays(tmp_path):
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    from reader_app.tts.fast.memory import evict_file_pages

    path = tmp_path / "w.safetensors"
    save_file({"w": torch.randn(2048, 4096).to(torch.bfloat16)}, str(path))  # 16 MiB
    with safe_open(str(path), framework="pt") as f:
        mapped = f.get_tensor("w")  # a view into the file's mapping, as the model loader gets
    total = float(mapped.float().sum())  # every page read: resident
    before = _vm_rss_kb()
    assert evict_file_pages([mapped]) > 15 * 2**20
    assert before - _vm_rss_kb() > 12 * 1024  # gone from the resident set...
    assert float(mapped.float().sum()) == total  # ...and read back from the file, unchanged
    heap = torch.ones(1 << 20)
    assert evict_file_pages([heap]) == 0 and float(heap.sum()) == 1 << 20  # the allocator's pages: untouched


def _mapped_resident_kb(folder) -> int:
    """Resident kB of this process's mappings of the checkpoint files under `folder`."""
    total, inside = 0, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):
                inside = len(fields) >= 6 and fields[5].startswith(str(folder)) and fields[5].endswith(".safetensors")
            elif inside and fields[0] == "Rss:":
                total += int(fields[1])
    return total


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise on /proc/self/maps: Linux only")
def test_an_engine_that_owns_its_model_keeps_no_checkpoint_pages_it_converted(tiny_custom_voice, tmp_path):
    import shutil

    from reader_app.tts.fast import FastEngine
    from tests.support.stock import load_wrapper

    owned, shared = tmp_path / "owned", tmp_path / "shared"  # folders of their own: only these mappings count
    for folder in (owned, shared):
        shutil.copytree(tiny_custom_voice, folder)
    wrapper = load_wrapper(str(shared))  # the stock loader alone: what it converted stays mapped and resident
    assert _mapped_resident_kb(shared) > 1024
    engine = FastEngine(owned, device="cpu", weights="fp16_packed", max_frames=8)
    assert _mapped_resident_kb(owned) < _mapped_resident_kb(shared) / 4
    assert engine.synthesize([REQUEST])[0].duration_s > 0  # what it still reads comes back from the file
    encoder = engine.wrapper.model.speech_tokenizer.model.encoder
    assert sum(p.numel() for p in encoder.parameters()) == 0  # a CustomVoice model clones nothing
    del wrapper
