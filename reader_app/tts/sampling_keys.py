"""The sampling knobs of Qwen3-TTS generation, as qwen_tts's generate_* calls name them (talker, then the code
predictor's `subtalker_*`). Both engines read these from the checkpoint's generation defaults and put the merged
values in their clip keys."""

from __future__ import annotations

SAMPLING_KEYS = ("do_sample", "top_k", "top_p", "temperature", "repetition_penalty", "subtalker_dosample",
                 "subtalker_top_k", "subtalker_top_p", "subtalker_temperature")
