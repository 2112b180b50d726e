"""Clip cache keys identify a voice by what it is, not where its files are."""

from reader_app.tts.engine import VoiceSpec


def test_voice_id_follows_file_content_not_path(tmp_path):
    a = tmp_path / "a" / "prompt.safetensors"
    b = tmp_path / "b" / "prompt.safetensors"
    for path in (a, b):
        path.parent.mkdir()
        path.write_bytes(b"same prompt bytes")
    assert VoiceSpec(kind="clone", prompt_path=str(a)).voice_id == VoiceSpec(kind="clone", prompt_path=str(b)).voice_id
    b.write_bytes(b"another voice")
    assert VoiceSpec(kind="clone", prompt_path=str(a)).voice_id != VoiceSpec(kind="clone", prompt_path=str(b)).voice_id
