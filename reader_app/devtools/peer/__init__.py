"""Side-by-side measurements against qwentts.cpp, a GGML C++ port of Qwen3-TTS (issue 16).

`gguf_convert` turns one of our HF-format checkpoints (random weights from `reader-app make-checkpoint`) into the
two GGUF files the peer loads; `qwentts_cpp` runs the peer (PyPI `realtimetts-qwen-native-cpu`, import
`qwentts_cpp_cpu`) on them and reports its timings. Neither the app nor the test suite needs the optional
packages (`pip install .[peer]`).
"""
