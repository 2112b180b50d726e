"""What changes the audio is declared once, on FastSettings: the clip key and the app's engine options agree."""

from __future__ import annotations

from reader_app.tts.fast.config import FastSettings, audio_affecting


def test_runtime_fields_stay_out_of_the_clip_key() -> None:
    audio = FastSettings().audio_settings()
    for runtime in ("device", "threads", "max_batch", "cuda_graphs", "sync_every"):
        assert runtime not in audio
    for sound in ("dtype", "weights", "seed", "sampling", "max_frames_per_char", "silence_db", "codec_decode"):
        assert sound in audio  # bf16 and fp32 round differently: the precision is part of what is heard


def test_app_engine_options_follow_the_same_rule() -> None:
    options = {"threads": 2, "max_batch": 16, "device": "cpu", "max_frames_per_char": 0.05, "greedy": True}
    assert audio_affecting(options) == {"max_frames_per_char": 0.05, "greedy": True}
    assert FastSettings(threads=1, max_batch=2).audio_settings() == FastSettings().audio_settings()
