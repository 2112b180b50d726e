"""Bounds that keep hostile or broken files from using unbounded time or memory.

Chosen so that any real novel fits well inside them (War and Peace is ~3 MB of text, ~40,000 sentences and
~360 chapters) and so that any book inside them parses in under ~2 s of CPU and ~500 MB (docs/books.md
has the measurements). Past a bound a book is refused with a one-line BookError, except where noted.
"""

from __future__ import annotations

MAX_FILE_BYTES = 200 * 1024 * 1024  # whole file (an EPUB is read from disk member by member, never whole)
MAX_TXT_BYTES = 32 * 1024 * 1024
MAX_TXT_LINES = 1_000_000  # ~3x a hard-wrapped 20 MB novel; counted before the text is split

# EPUB (ZIP) archive
MAX_ZIP_ENTRIES = 10_000
MAX_ENTRY_BYTES = 32 * 1024 * 1024  # one decompressed member (a chapter, the OPF, the cover)
# Everything decompressed while reading one book. Only markup and the cover are read (images, fonts and
# media never are), and the longest novels hold ~10 MB of markup.
MAX_TOTAL_READ_BYTES = 64 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # text deflates ~3-10x; a bomb deflates ~1000x
RATIO_CHECK_MIN_BYTES = 1024 * 1024  # small members may legitimately compress very well
MAX_PACKAGE_BYTES = 4 * 1024 * 1024  # the OPF: ~1.5 MB for a 10,000-file book
MAX_SPINE_ENTRIES = MAX_ZIP_ENTRIES  # more itemrefs than files in the archive can only repeat or dangle
# Markup tags ("<") parsed in one book: bounds the XML trees built (libxml2 takes ~250 bytes per node) and
# the time to walk them; counted in C before any parse. A 40,000-paragraph novel has ~200,000.
MAX_MARKUP_TAGS = 1_500_000
# Pieces of SVG text placed on their own (a glyph, a tspan), whole book: each costs ~3 us to rebuild into
# words. A 200-page illustrated book placing every glyph has ~300,000.
MAX_SVG_PIECES = 400_000

# Table of contents: entries past this are ignored (their text runs on in the chapter before).
MAX_TOC_ENTRIES = 10_000
MAX_TITLE_CHARS = 200  # a chapter title, or several TOC names at one spot joined, cut at a word
MAX_TITLES_JOINED = 3  # "Part One — Chapter 1": at most this many TOC names for one chapter

# The book as a whole.
MAX_CHAPTERS = 10_000  # past this, neighbouring chapters are merged (a heading pattern gone wrong)
MAX_PARAGRAPHS = 150_000  # blocks of text, speakable or not (each costs more than a sentence)
MAX_SENTENCES = 250_000  # ~250 hours of narration
MAX_TEXT_CHARS = 32 * 1024 * 1024  # speakable text after extraction

# Sentences sent to one TTS call: long ones are split at clause boundaries into chunks this size.
MAX_SENTENCE_CHARS = 300
MAX_SENTENCE_CHARS_CJK = 120  # a CJK character carries about a syllable or more of speech

# Sentences with fewer word characters than this are merged into a neighbour.
MIN_SENTENCE_WORD_CHARS = 4
MIN_SENTENCE_WORD_CHARS_CJK = 2
