"""Who speaks each line of a book and which saved voice reads each character, in the book's cache file (cache
schema v2: `speakers`, `character_voices`).

Qt-free. Both are keyed so a re-parse keeps them: a line by its sentence's stable id, a character by its name;
a voice by its name in the voice library (reader_app/voices), resolved when narration is configured. The
reader's corrections (source READER) are never overwritten by a new detection (`replace_detected`). Writes are
asked for by the reader or a command, so one that fails raises StoreError.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from reader_app.store.db import ThreadConnections
from reader_app.store.errors import translated
from reader_app.store.maintenance import read_only_rows

NAME_MAX_CHARS = 80  # a character's name is a name, not a paragraph
DETECTED_KEY = "characters_detected"  # meta: attribution ran for this book (a re-run reads the cache)


class SpeakerSource(StrEnum):
    RULE = "rule"  # found by the rules (reader_app/studio/attribution.py)
    READER = "reader"  # set by the reader: kept through every re-detection
    CHAT = "chat"  # attributed by the chat model the reader configured


@dataclass(frozen=True, slots=True)
class SpeakerLine:
    sentence_id: str
    speaker: str
    confidence: float  # 0-1; the reader's own lines are 1
    source: SpeakerSource


def clean_name(name: str) -> str:
    """A character's name as stored: one line, outer blanks stripped, at most NAME_MAX_CHARS characters."""
    text = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    if not text:
        raise ValueError("a character's name cannot be empty")
    return text[:NAME_MAX_CHARS]


class Characters:
    """One book's speakers and character voices. BookCache.characters hands out one; any thread may call it."""

    def __init__(self, conns: ThreadConnections) -> None:
        self._conns = conns

    # --- lines -------------------------------------------------------------------------------------------

    def lines(self) -> dict[str, SpeakerLine]:
        """Sentence id -> its speaker, for every line that has one."""
        with translated("read who speaks each line", self._conns.path):
            rows = self._conns.conn.execute(
                "SELECT sentence_id, speaker, confidence, source FROM speakers").fetchall()
        return {r[0]: SpeakerLine(r[0], r[1], float(r[2] if r[2] is not None else 0.0), _source(r[3]))
                for r in rows if r[1]}

    def detected(self) -> bool:
        with translated("read the cache's metadata", self._conns.path):
            row = self._conns.conn.execute("SELECT value FROM meta WHERE key = ?", (DETECTED_KEY,)).fetchone()
        return row is not None

    def replace_detected(self, lines: Iterable[SpeakerLine], source: SpeakerSource = SpeakerSource.RULE) -> None:
        """A new detection (rules, or the chat model's merged with them): its lines replace every detected
        line, never the reader's; the book is marked detected (by `source`)."""
        replaced = (SpeakerSource.RULE, SpeakerSource.CHAT)
        rows = [(line.sentence_id, clean_name(line.speaker), float(line.confidence), str(line.source))
                for line in lines]
        with self._conns.write("store who speaks each line") as db:
            conn = db.conn
            reader = {r[0] for r in conn.execute("SELECT sentence_id FROM speakers WHERE source = ?",
                                                 (str(SpeakerSource.READER),))}
            conn.execute(f"DELETE FROM speakers WHERE source IN ({','.join('?' * len(replaced))})",
                         [str(s) for s in replaced])
            conn.executemany("INSERT OR REPLACE INTO speakers (sentence_id, speaker, confidence, source) "
                             "VALUES (?, ?, ?, ?)", [row for row in rows if row[0] not in reader])
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (DETECTED_KEY, str(source)))

    def set_speaker(self, sentence_id: str, speaker: str | None) -> None:
        """The reader's correction of one line; None or "" makes it the narrator's (kept as such: an empty
        speaker from the reader outlives a re-detection too)."""
        name = clean_name(speaker) if speaker else ""
        with self._conns.write("correct who speaks a line") as db:
            db.conn.execute("INSERT OR REPLACE INTO speakers (sentence_id, speaker, confidence, source) "
                            "VALUES (?, ?, 1.0, ?)", (sentence_id, name, str(SpeakerSource.READER)))

    def line_counts(self) -> Counter[str]:
        """Character -> how many lines they speak."""
        with translated("count the characters' lines", self._conns.path):
            rows = self._conns.conn.execute(
                "SELECT speaker, count(*) FROM speakers WHERE speaker != '' GROUP BY speaker").fetchall()
        return Counter({r[0]: int(r[1]) for r in rows})

    # --- voices ------------------------------------------------------------------------------------------

    def voices(self) -> dict[str, str]:
        """Character name -> the saved voice's name that reads their lines."""
        with translated("read the character voices", self._conns.path):
            rows = self._conns.conn.execute("SELECT name, voice_name FROM character_voices").fetchall()
        return {r[0]: r[1] for r in rows}

    def assign(self, name: str, voice_name: str | None) -> None:
        """A character's voice; None or "" gives their lines back to the narrator."""
        character = clean_name(name)
        with self._conns.write("assign a character's voice") as db:
            if voice_name:
                db.conn.execute("INSERT OR REPLACE INTO character_voices (name, voice_name) VALUES (?, ?)",
                                (character, voice_name))
            else:
                db.conn.execute("DELETE FROM character_voices WHERE name = ?", (character,))


def voiced_lines(lines: Mapping[str, SpeakerLine], voices: Mapping[str, str]) -> dict[str, str]:
    """Sentence id -> voice name, for the lines whose speaker has a voice."""
    return {sid: voices[line.speaker] for sid, line in lines.items() if line.speaker in voices}


def _source(value: str | None) -> SpeakerSource:
    try:
        return SpeakerSource(value or "")
    except ValueError:
        return SpeakerSource.RULE


def voiced_lines_at(cache_path: Path) -> dict[str, str]:
    """Sentence id -> voice name for the lines of characters that have a voice, read-only from a book's cache
    file (no cache yet, or one older than schema v2, or damaged: none, and the narrator reads everything)."""
    try:
        rows = read_only_rows(cache_path, "SELECT s.sentence_id, v.voice_name FROM speakers s "
                                          "JOIN character_voices v ON v.name = s.speaker")
    except (sqlite3.Error, UnicodeDecodeError):
        return {}
    return {sid: voice for sid, voice in rows if voice}
