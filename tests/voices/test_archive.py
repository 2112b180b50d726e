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
    "nested manifest": ({"voice.json": b"[" * 3000 + b"]" * 3000}, "nested too deeply"),
    "nested manifest object": ({"voice.json": b'{"notes": ' + b"[" * 3000 + b"]" * 3000 + b"}"},
                               "nested too deeply"),
    "manifest a list": ({"voice.json": b'["name", "kind"]'}, "must hold an object"),
    "manifest a string": ({"voice.json": b'"voice"'}, "must hold an object"),
    "manifest not utf-8": ({"voice.json": b'{"name": "\xff\xfe"}'}, "not UTF-8"),
    "manifest not json": ({"voice.json": b"{name: 1"}, "not valid JSON"),
    "manifest model a list": ({"voice.json": _meta(model=[1, 2])}, "wrong type"),
    "manifest huge number": ({"voice.json": b'{"created": ' + b"9" * 5000 + b"}"}, "not valid JSON"),
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


def _truncated(data: bytes, fraction: float = 0.5) -> bytes:
    return data[: int(len(data) * fraction)]


@pytest.mark.parametrize("member, fmt", [("ref.flac", "FLAC"), ("ref.wav", "WAV")])
def test_a_truncated_reference_is_refused(tmp_path, user_voices, member, fmt):
    buf = io.BytesIO()
    sf.write(buf, speechlike(6.0), SR, format=fmt)
    archive = _zip(tmp_path / "cut.voice", {"voice.json": _meta(kind="clone", origin="file"),
                                            member: _truncated(buf.getvalue())})
    with pytest.raises(VoiceArchiveError, match="truncated or damaged") as refused:
        voices.import_voice(archive)
    assert "\n" not in str(refused.value) and list(user_voices.iterdir()) == []


def test_a_many_entry_archive_is_refused_from_its_end_record(tmp_path, user_voices, monkeypatch):
    many = tmp_path / "many.voice"
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("voice.json", _meta())
        for i in range(5000):
            zf.writestr(f"{i}", b"")

    def never(*args, **kwargs):
        raise AssertionError("the central directory was parsed")

    monkeypatch.setattr(zipfile, "ZipFile", never)
    with pytest.raises(VoiceArchiveError, match="lists 5,001 entries"):
        voices.import_voice(many)
    assert list(user_voices.iterdir()) == []


def test_an_end_record_claiming_a_huge_directory_is_refused(tmp_path, user_voices):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("voice.json", _meta())
    data = bytearray(buf.getvalue())
    end = data.rfind(b"PK\x05\x06")
    data[end + 12:end + 16] = (60 << 20).to_bytes(4, "little")  # central directory size
    liar = tmp_path / "liar.voice"
    liar.write_bytes(bytes(data))
    with pytest.raises(VoiceArchiveError, match="entries in 62,914,560 bytes"):
        voices.import_voice(liar)
    no_end = tmp_path / "no-end.voice"
    no_end.write_bytes(bytes(data[:end]))
    with pytest.raises(VoiceArchiveError, match="not a readable zip"):
        voices.import_voice(no_end)


def test_concurrent_imports_of_one_voice_get_distinct_names(tmp_path, user_voices, monkeypatch):
    import threading

    from reader_app.voices import files as vf

    archive = _zip(tmp_path / "s.voice", {"voice.json": _meta()})
    both_named = threading.Barrier(2)
    write_meta = vf.write_meta

    def slow_write_meta(folder, data):  # both imports have chosen a name before either is in place
        try:
            both_named.wait(timeout=1.0)
        except threading.BrokenBarrierError:
            pass  # names are chosen one at a time now: the other import waits for this one
        write_meta(folder, data)

    monkeypatch.setattr(vf, "write_meta", slow_write_meta)
    names, errors = [], []

    def run() -> None:
        try:
            names.append(voices.import_voice(archive).name)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and sorted(names) == ["Shared", "Shared (2)"]
    listed = [v.name for v in voices.list_voices() if not v.builtin]
    assert sorted(listed) == ["Shared", "Shared (2)"]  # none hidden behind the other
    assert len([p for p in user_voices.iterdir() if p.is_dir()]) == 2
