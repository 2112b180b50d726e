"""Audiobook reader: reads EPUB and TXT books aloud with Qwen3-TTS on the local device."""

__version__ = "0.1.0"
