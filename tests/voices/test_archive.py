"""Sharing voices: export/import round trip, and hostile .voice files refused before anything is stored."""

from __future__ import annotations

import io
import json
import os
import pickle
import stat
import zipfile

import pytest
import soundfile as sf

from reader_app.voices import library as voices
from reader_app.voices.files import (
    VoiceFileError as VoiceArchiveError,  # every refusal is one
)
from tests.support.audio import SR, speechlike

META = {"format": "reader-app-voice-v1", "name": "Shared", "kind": "design", "origin": "design",
        "design_description": "A calm voice.", "description": "A calm voice."}


def _zip(path, members: dict[str, bytes], symlink: str | None = None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def _meta(**changes) -> bytes:
    return json.dumps({**META, **changes}).encode()


def test_round_trip_of_a_clone(tmp_path, base_engine):
    src = tmp_path / "me.wav"
    sf.write(str(src), speechlike(4.0), SR)
    voices.clone_voice("Me", src, base_engine, ref_text="Hello there.")
    out = voices.export_voice("me", tmp_path / "me")
    assert out.suffix == ".voice"
    assert sorted(zipfile.ZipFile(out).namelist()) == ["prompt.safetensors", "ref.flac", "voice.json"]
    entry = voices.import_voice(out)
    assert entry.name == "Me (2)" and entry.kind == "clone" and entry.has_prompt
    spec = voices.find_voice("me (2)")
    assert base_engine.synthesize([voices.SynthesisRequest("Hi.", spec)])[0].samples.size > 0
    assert voices.import_voice(out).name == "Me (3)"


def test_builtin_export_and_design_import(tmp_path):
    out = voices.export_voice("Warm Storyteller", tmp_path / "w.voice")
    assert voices.import_voice(out).name == "Warm Storyteller (2)"
    assert voices.import_voice(_zip(tmp_path / "s.voice", {"voice.json": _meta()})).kind == "design"


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/pwned-by-voice",))


HOSTILE = {
    "pickle member": ({"voice.json": _meta(), "prompt.pkl": pickle.dumps(_Evil())}, "pickle"),
    "torch file": ({"voice.json": _meta(), "prompt.pt": pickle.dumps(_Evil())}, "pickle"),
    "pickle posing as safetensors": ({"voice.json": _meta(kind="clone"),
                                      "prompt.safetensors": pickle.dumps(_Evil())}, "not a valid safetensors"),
    "path traversal": ({"voice.json": _meta(), "../../evil.json": b"{}"}, "path traversal"),
    "absolute path": ({"voice.json": _meta(), "/tmp/evil.json": b"{}"}, "path traversal"),
    "nested path": ({"voice.json": _meta(), "sub/voice.json": b"{}"}, "path traversal"),
    "oversized": ({"voice.json": _meta(description="x" * 70_000)}, "too large"),
    "unknown key": ({"voice.json": _meta(exec="rm -rf /")}, "unknown keys"),
    "bad kind": ({"voice.json": _meta(kind="shell")}, "unknown kind"),
    "no metadata": ({"ref.flac": b"fLaC"}, "no voice.json"),
    "fake audio": ({"voice.json": _meta(), "ref.wav": b"RIFF....WAVEnope"}, "not readable audio"),
    "extra file": ({"voice.json": _meta(), "readme.txt": b"hi"}, "not part of a voice"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archives_are_refused(tmp_path, user_voices, case):
    members, message = HOSTILE[case]
    path = _zip(tmp_path / "bad.voice", members)
    with pytest.raises(VoiceArchiveError, match=message):
        voices.import_voice(path)
    assert not os.path.exists("/tmp/pwned-by-voice")
    assert [p.name for p in user_voices.iterdir()] == []  # nothing kept, not even a temp folder
    assert not (tmp_path / "evil.json").exists()


def test_symlink_zip_bomb_and_not_a_zip(tmp_path, user_voices):
    with pytest.raises(VoiceArchiveError, match="symbolic link"):
        voices.import_voice(_zip(tmp_path / "l.voice", {"voice.json": _meta()}, symlink="ref.wav"))
    bomb = tmp_path / "bomb.voice"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("voice.json", _meta())
        zf.writestr("ref.wav", b"\0" * (30 << 20))
    with pytest.raises(VoiceArchiveError, match="zip bomb"):
        voices.import_voice(bomb)
    junk = tmp_path / "junk.voice"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(VoiceArchiveError, match="not a readable zip"):
        voices.import_voice(junk)
    assert list(user_voices.iterdir()) == []


def test_member_lying_about_its_size(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("voice.json", _meta())
    data = bytearray(buf.getvalue())
    # Shrink the declared size in the central directory: the real member is longer than claimed.
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (10).to_bytes(4, "little")
    path = tmp_path / "liar.voice"
    path.write_bytes(bytes(data))
    with pytest.raises(VoiceArchiveError):
        voices.import_voice(path)
