"""Shapes and vocabularies of locally built Qwen3-TTS checkpoints (pure data, no torch).

The real models cannot be downloaded on machines without the Hugging Face hub, so tests and benchmarks build
random-weight checkpoints with the same structure: "tiny" for fast tests, "0.6b" / "1.7b" with the published
shapes for speed measurements. Sound is noise, but every code path of qwen_tts runs for real.
"""

from __future__ import annotations

from reader_app.tts.engine import ModelKind

KINDS = tuple(ModelKind)
SIZES = ("tiny", "0.6b", "1.7b")

# Bump whenever the built folders change, so cached test checkpoints are rebuilt.
BUILDER_VERSION = 1
MARKER_FILE = "reader_app_checkpoint.json"

SPEAKERS = ("vivian", "serena", "uncle_fu", "dylan", "eric", "ryan", "aiden", "ono_anna", "sohee")
LANGUAGES = ("chinese", "english", "japanese", "korean", "german", "french", "russian", "portuguese",
             "spanish", "italian")

# Codec vocabulary layout of the 12 Hz models: codes 0-2047, control ids above, language/speaker ids in
# 2048-3071 (the wrapper suppresses that range during sampling, except EOS).
CODEC_IDS = dict(codec_pad_id=2148, codec_bos_id=2149, codec_eos_token_id=2150, codec_think_id=2154,
                 codec_nothink_id=2155, codec_think_bos_id=2156, codec_think_eos_id=2157)
LANGUAGE_IDS = {"english": 2050, "german": 2053, "spanish": 2054, "chinese": 2055, "japanese": 2058,
                "french": 2061, "sichuan_dialect": 2062, "korean": 2064, "russian": 2069, "italian": 2070,
                "portuguese": 2071, "beijing_dialect": 2074}
SPEAKER_IDS = {"aiden": 2861, "sohee": 2864, "ono_anna": 2873, "eric": 2875, "dylan": 2878, "uncle_fu": 3010,
               "ryan": 3061, "vivian": 3065, "serena": 3066}
SPEAKER_DIALECT = {"dylan": "beijing_dialect", "eric": "sichuan_dialect"}

# Special text tokens; their ids come from the trained tokenizer and are written into config.json.
IM_START, IM_END, ENDOFTEXT = "<|im_start|>", "<|im_end|>", "<|endoftext|>"
TTS_PAD, TTS_BOS, TTS_EOS = "<tts_pad>", "<tts_text_bos>", "<tts_text_eod>"
SPECIAL_TOKENS = (ENDOFTEXT, IM_START, IM_END, TTS_PAD, TTS_BOS, TTS_EOS)

# Published generation defaults (sampling); the engine always bounds max_new_tokens itself.
GENERATION_DEFAULTS = dict(do_sample=True, top_k=50, top_p=1.0, temperature=0.9, repetition_penalty=1.05,
                           subtalker_dosample=True, subtalker_top_k=50, subtalker_top_p=1.0,
                           subtalker_temperature=0.9, max_new_tokens=8192)

# Per size: talker, code predictor, speaker encoder, codec decoder, codec encoder (Mimi), text vocab.
SHAPES: dict[str, dict] = {
    "tiny": dict(
        talker=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, head_dim=16, mrope_section=[2, 3, 3], text_hidden_size=64,
                    rope_theta=1_000_000),
        predictor=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                       num_key_value_heads=1, head_dim=16),
        speaker=dict(enc_channels=[32, 32, 32, 32, 96], enc_attention_channels=16, enc_res2net_scale=4,
                     enc_se_channels=16),
        decoder=dict(hidden_size=32, latent_dim=32, codebook_dim=32, decoder_dim=32, intermediate_size=64,
                     num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2, head_dim=16),
        encoder=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                     num_key_value_heads=2, head_dim=16, num_filters=4, codebook_dim=16, num_quantizers=16,
                     upsample_groups=32, vector_quantization_hidden_dimension=16),
        text_vocab_size=None,  # the tokenizer's own size
        dtype="float32",
    ),
    "0.6b": dict(
        talker=dict(hidden_size=1024, intermediate_size=3072, num_hidden_layers=28, num_attention_heads=16,
                    num_key_value_heads=8, head_dim=128, mrope_section=[24, 20, 20], text_hidden_size=2048,
                    rope_theta=1_000_000),
        predictor=dict(hidden_size=1024, intermediate_size=3072, num_hidden_layers=5, num_attention_heads=16,
                       num_key_value_heads=8, head_dim=128),
        speaker=dict(),  # published defaults
        decoder=dict(hidden_size=512, latent_dim=1024, codebook_dim=512, decoder_dim=1536, intermediate_size=1024,
                     num_hidden_layers=8, num_attention_heads=16, num_key_value_heads=16, head_dim=64),
        encoder=dict(num_quantizers=32),  # Mimi defaults otherwise
        text_vocab_size=151936,
        dtype="bfloat16",
    ),
    "1.7b": dict(
        talker=dict(hidden_size=2048, intermediate_size=6144, num_hidden_layers=28, num_attention_heads=16,
                    num_key_value_heads=8, head_dim=128, mrope_section=[24, 20, 20], text_hidden_size=2048,
                    rope_theta=1_000_000),
        predictor=dict(hidden_size=1024, intermediate_size=3072, num_hidden_layers=5, num_attention_heads=16,
                       num_key_value_heads=8, head_dim=128),
        speaker=dict(),
        decoder=dict(hidden_size=512, latent_dim=1024, codebook_dim=512, decoder_dim=1536, intermediate_size=1024,
                     num_hidden_layers=8, num_attention_heads=16, num_key_value_heads=16, head_dim=64),
        encoder=dict(num_quantizers=32),
        text_vocab_size=151936,
        dtype="bfloat16",
    ),
}

# Config's tts_model_size string: the wrapper tests `size in "0b6"` to drop instructions on 0.6B CustomVoice.
MODEL_SIZE_TAG = {"tiny": "0b6", "0.6b": "0b6", "1.7b": "1b7"}

# Text the tokenizer is trained on: the chat scaffold words must become single tokens (the wrapper slices the
# prompt `<|im_start|>assistant\n` at fixed offsets), the rest gives ordinary words reasonable merges.
TOKENIZER_CORPUS = [
    "assistant", "user", "system", "assistant\n", "user\n",
    "The quick brown fox jumps over the lazy dog.",
    "It was the best of times, it was the worst of times.",
    "Call me Ishmael. Some years ago, never mind how long precisely, I went to sea.",
    "Speak in a calm, warm narrator voice with clear pronunciation.",
    "A young woman with a bright voice, speaking quickly and happily.",
    "Hello world! How are you today? I am fine, thank you.",
    "Chapter one. The house stood at the end of the road, quiet and dark.",
    "你好，世界。今天天气很好。", "こんにちは、世界。", "안녕하세요 세계", "Guten Tag, Welt. Bonjour le monde.",
    "Привет, мир. Olá mundo. Hola mundo. Ciao mondo.",
]
TOKENIZER_VOCAB = 1024
