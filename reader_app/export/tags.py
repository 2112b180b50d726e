"""Tags, cover art and chapters written with mutagen after encoding, each format in its own convention.

M4B: iTunes atoms (title, author, narrator as ©nrt and composer, year, genre Audiobook, media kind audiobook,
cover); its chapters were written by the MP4 muxer. MP3: ID3v2.4 with CHAP/CTOC frames. Opus and FLAC: Vorbis
comments with the CHAPTERnnn / CHAPTERnnnNAME convention that FFmpeg, Audiobookshelf and most players read,
and a FLAC picture block for the cover.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import mutagen.flac
import mutagen.id3 as id3
import mutagen.mp4
import mutagen.oggopus

from reader_app.export.formats import ExportFormat


@dataclass(frozen=True)
class BookTags:
    title: str  # the book (album); a per-chapter file's own title is in `track_title`
    authors: tuple[str, ...]
    narrator: str
    language: str | None = None
    year: str | None = None
    cover: bytes | None = None
    cover_mime: str | None = None  # image/jpeg or image/png (others are not embedded)
    track: tuple[int, int] | None = None  # (n, total) for a file per chapter
    track_title: str | None = None


@dataclass(frozen=True)
class ChapterMark:
    start_s: float
    end_s: float
    title: str


def embeddable_cover(data: bytes | None, mime: str | None) -> tuple[bytes, str] | None:
    """The cover if players can show it (JPEG or PNG, recognised by its bytes, not only its declared type)."""
    if not data:
        return None
    if data.startswith(b"\xff\xd8\xff"):
        return data, "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data, "image/png"
    return None


def write_tags(path: Path, fmt: ExportFormat, tags: BookTags, chapters: list[ChapterMark]) -> None:
    {ExportFormat.M4B: _mp4, ExportFormat.MP3: _mp3, ExportFormat.OPUS: _opus,
     ExportFormat.FLAC: _flac}[fmt](path, tags, chapters)


def _stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def _mp4(path: Path, tags: BookTags, chapters: list[ChapterMark]) -> None:
    audio = mutagen.mp4.MP4(path)
    if audio.tags is None:
        audio.add_tags()
    t = audio.tags
    assert t is not None
    t["©nam"] = [tags.track_title or tags.title]
    t["©alb"] = [tags.title]
    if tags.authors:
        t["©ART"] = [", ".join(tags.authors)]
        t["aART"] = [", ".join(tags.authors)]
    t["©nrt"] = [tags.narrator]
    t["©wrt"] = [tags.narrator]  # players without a narrator field show the composer
    t["©gen"] = ["Audiobook"]
    t["stik"] = [2]  # media kind: audiobook
    if tags.year:
        t["©day"] = [tags.year]
    if tags.language:
        t["----:com.apple.iTunes:LANGUAGE"] = [mutagen.mp4.MP4FreeForm(tags.language.encode())]
    if tags.track:
        t["trkn"] = [tags.track]
    cover = embeddable_cover(tags.cover, tags.cover_mime)
    if cover:
        kind = mutagen.mp4.MP4Cover.FORMAT_JPEG if cover[1] == "image/jpeg" else mutagen.mp4.MP4Cover.FORMAT_PNG
        t["covr"] = [mutagen.mp4.MP4Cover(cover[0], imageformat=kind)]
    audio.save()


def _mp3(path: Path, tags: BookTags, chapters: list[ChapterMark]) -> None:
    t = id3.ID3()
    t.add(id3.TIT2(encoding=3, text=tags.track_title or tags.title))
    t.add(id3.TALB(encoding=3, text=tags.title))
    if tags.authors:
        t.add(id3.TPE1(encoding=3, text=", ".join(tags.authors)))
        t.add(id3.TPE2(encoding=3, text=", ".join(tags.authors)))
    t.add(id3.TCOM(encoding=3, text=tags.narrator))
    t.add(id3.TXXX(encoding=3, desc="NARRATOR", text=tags.narrator))
    t.add(id3.TCON(encoding=3, text="Audiobook"))
    if tags.year:
        t.add(id3.TDRC(encoding=3, text=tags.year))
    if tags.language:
        t.add(id3.TLAN(encoding=3, text=tags.language))
    if tags.track:
        t.add(id3.TRCK(encoding=3, text=f"{tags.track[0]}/{tags.track[1]}"))
    cover = embeddable_cover(tags.cover, tags.cover_mime)
    if cover:
        t.add(id3.APIC(encoding=3, mime=cover[1], type=id3.PictureType.COVER_FRONT, desc="Cover", data=cover[0]))
    if chapters:
        ids = [f"chp{i}" for i in range(len(chapters))]
        t.add(id3.CTOC(element_id="toc", flags=id3.CTOCFlags.TOP_LEVEL | id3.CTOCFlags.ORDERED,
                       child_element_ids=ids, sub_frames=[id3.TIT2(encoding=3, text="Chapters")]))
        for element, mark in zip(ids, chapters, strict=True):
            t.add(id3.CHAP(element_id=element, start_time=round(mark.start_s * 1000),
                           end_time=round(mark.end_s * 1000), sub_frames=[id3.TIT2(encoding=3, text=mark.title)]))
    t.save(path, v2_version=4)


def _vorbis_fields(tags: BookTags, chapters: list[ChapterMark]) -> dict[str, list[str]]:
    fields = {"TITLE": [tags.track_title or tags.title], "ALBUM": [tags.title], "PERFORMER": [tags.narrator],
              "NARRATOR": [tags.narrator], "GENRE": ["Audiobook"]}
    if tags.authors:
        fields["ARTIST"] = [", ".join(tags.authors)]
        fields["ALBUMARTIST"] = [", ".join(tags.authors)]
    if tags.year:
        fields["DATE"] = [tags.year]
    if tags.language:
        fields["LANGUAGE"] = [tags.language]
    if tags.track:
        fields["TRACKNUMBER"], fields["TRACKTOTAL"] = [str(tags.track[0])], [str(tags.track[1])]
    for i, mark in enumerate(chapters, start=1):
        fields[f"CHAPTER{i:03d}"] = [_stamp(mark.start_s)]
        fields[f"CHAPTER{i:03d}NAME"] = [mark.title]
    return fields


def _picture(tags: BookTags) -> mutagen.flac.Picture | None:
    cover = embeddable_cover(tags.cover, tags.cover_mime)
    if cover is None:
        return None
    picture = mutagen.flac.Picture()
    picture.type, picture.mime, picture.desc, picture.data = 3, cover[1], "Cover", cover[0]
    return picture


def _opus(path: Path, tags: BookTags, chapters: list[ChapterMark]) -> None:
    audio = mutagen.oggopus.OggOpus(path)
    assert audio.tags is not None  # an Ogg Opus file always has its comment header
    for name, values in _vorbis_fields(tags, chapters).items():
        audio.tags[name] = values
    picture = _picture(tags)
    if picture is not None:
        audio.tags["METADATA_BLOCK_PICTURE"] = [base64.b64encode(picture.write()).decode("ascii")]
    audio.save()


def _flac(path: Path, tags: BookTags, chapters: list[ChapterMark]) -> None:
    audio = mutagen.flac.FLAC(path)
    if audio.tags is None:
        audio.add_tags()
    comments = audio.tags
    assert isinstance(comments, mutagen.flac.VCFLACDict)
    for name, values in _vorbis_fields(tags, chapters).items():
        comments[name] = values
    picture = _picture(tags)
    if picture is not None:
        audio.clear_pictures()
        audio.add_picture(picture)
    audio.save()
