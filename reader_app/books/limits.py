"""Bounds that keep hostile or broken files from using unbounded time or memory.

Chosen so that any real novel fits well inside them (War and Peace is ~3 MB of text).
"""

from __future__ import annotations

MAX_FILE_BYTES = 200 * 1024 * 1024  # whole file, read once into memory for hashing and parsing
MAX_TXT_BYTES = 64 * 1024 * 1024

# EPUB (ZIP) archive
MAX_ZIP_ENTRIES = 10_000
MAX_ENTRY_BYTES = 32 * 1024 * 1024  # one decompressed member (a chapter, the OPF, the cover)
# Everything decompressed while reading one book. Only markup and the cover are read (images, fonts and
# media never are), and the longest novels hold ~10 MB of markup; a 30 MB chapter already takes ~3 s and
# ~220 MB to parse.
MAX_TOTAL_READ_BYTES = 64 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # text deflates ~3-10x; a bomb deflates ~1000x
RATIO_CHECK_MIN_BYTES = 1024 * 1024  # small members may legitimately compress very well

# Sentences sent to one TTS call: long ones are split at clause boundaries into chunks this size.
MAX_SENTENCE_CHARS = 300
MAX_SENTENCE_CHARS_CJK = 120  # a CJK character carries about a syllable or more of speech

# Sentences with fewer word characters than this are merged into a neighbour.
MIN_SENTENCE_WORD_CHARS = 4
MIN_SENTENCE_WORD_CHARS_CJK = 2
