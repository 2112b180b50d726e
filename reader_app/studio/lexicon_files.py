"""Lexicon files users can share: a plain TSV or JSON, chosen by the file's suffix (.tsv/.txt, .json).

TSV: a header line `pattern<TAB>replacement<TAB>flags<TAB>language`, then one entry a line. flags is a
comma-separated set of `regex`, `match-case`, `whole-word`, `no-whole-word` (empty: the defaults of the kind, a
plain word whole-word, a regular expression as written); language empty for every language. Lines that are
empty or start with `#` are skipped. JSON: a list of objects with `pattern`, `replacement` and optionally
`regex`, `match_case`, `whole_word`, `language`.

Everything read is checked (the size, UTF-8, the columns and keys, every entry as LexiconEntry checks it), and
any problem refuses the whole file with one line naming where: an import is all or nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

from reader_app.jsonfile import JsonFileError, parse_json, read_text_file, write_json_file
from reader_app.studio.lexicon import MAX_ENTRIES, LexiconEntry, LexiconError

MAX_FILE_BYTES = 1 << 20
HEADER = ("pattern", "replacement", "flags", "language")
_JSON_KEYS = {"pattern", "replacement", "regex", "match_case", "whole_word", "language"}


class LexiconFormat(StrEnum):
    TSV = "tsv"
    JSON = "json"


class Flag(StrEnum):
    REGEX = "regex"
    MATCH_CASE = "match-case"
    WHOLE_WORD = "whole-word"
    NO_WHOLE_WORD = "no-whole-word"


def format_for(path: Path) -> LexiconFormat:
    suffix = path.suffix.lower()
    if suffix in (".tsv", ".txt", ".tab"):
        return LexiconFormat.TSV
    if suffix == ".json":
        return LexiconFormat.JSON
    raise LexiconError(f"{path.name}: a lexicon file ends in .tsv or .json")


def _read_text(path: Path) -> str:
    try:
        return read_text_file(path, max_bytes=MAX_FILE_BYTES)
    except JsonFileError as exc:
        raise LexiconError(str(exc)) from None


def read_lexicon_file(path: str | Path) -> list[LexiconEntry]:
    """The entries of a TSV or JSON lexicon file; LexiconError (one line) for anything wrong in it,
    FileNotFoundError when it is not there."""
    path = Path(path)
    kind = format_for(path)
    text = _read_text(path)
    entries = parse_tsv(text, path.name) if kind is LexiconFormat.TSV else parse_json_entries(text, path.name)
    if len(entries) > MAX_ENTRIES:
        raise LexiconError(f"{path.name} holds {len(entries):,} entries; at most {MAX_ENTRIES:,}")
    return entries


def write_lexicon_file(path: str | Path, entries: Iterable[LexiconEntry]) -> None:
    """Write entries as TSV or JSON (by suffix), atomically. OSError when it cannot."""
    path = Path(path)
    entries = list(entries)
    if format_for(path) is LexiconFormat.JSON:
        write_json_file(path, [entry_to_json(e) for e in entries])
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(format_tsv(entries))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def format_tsv(entries: Iterable[LexiconEntry]) -> str:
    lines = ["\t".join(HEADER)]
    lines += ["\t".join((e.pattern, e.replacement, ",".join(flags_of(e)), e.language or "")) for e in entries]
    return "\n".join(lines) + "\n"


def flags_of(entry: LexiconEntry) -> list[str]:
    """The entry's flags, leaving out what its kind does by default."""
    flags = [Flag.REGEX.value] if entry.regex else []
    if entry.match_case:
        flags.append(Flag.MATCH_CASE.value)
    if entry.whole_word == entry.regex:  # a regex made whole-word, or a plain word that is not
        flags.append(Flag.WHOLE_WORD.value if entry.whole_word else Flag.NO_WHOLE_WORD.value)
    return flags


def parse_tsv(text: str, name: str = "lexicon") -> list[LexiconEntry]:
    lines = text.split("\n")
    entries: list[LexiconEntry] = []
    header_seen = False
    for number, raw in enumerate(lines, 1):
        line = raw.removesuffix("\r")
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header_seen:
            if tuple(c.strip().lower() for c in cells) != HEADER[:len(cells)] or len(cells) < 2:
                raise LexiconError(f"{name} line {number}: the first line must be the header "
                                   f"{' | '.join(HEADER)} (tab-separated)")
            header_seen = True
            continue
        if not 2 <= len(cells) <= len(HEADER):
            raise LexiconError(f"{name} line {number}: {len(cells)} columns; a line has 2 to {len(HEADER)} "
                               "(pattern, replacement, flags, language), separated by tabs")
        cells += [""] * (len(HEADER) - len(cells))
        try:
            entries.append(_entry_from_cells(*cells))
        except LexiconError as exc:
            raise LexiconError(f"{name} line {number}: {exc}") from None
        if len(entries) > MAX_ENTRIES:
            raise LexiconError(f"{name} holds more than {MAX_ENTRIES:,} entries")
    if not header_seen:
        raise LexiconError(f"{name} is empty: it needs the header line {' | '.join(HEADER)} (tab-separated)")
    return entries


def _entry_from_cells(pattern: str, replacement: str, flags: str, language: str) -> LexiconEntry:
    given = [f.strip().lower() for f in flags.split(",") if f.strip()]
    known = {f.value for f in Flag}
    unknown = [f for f in given if f not in known]
    if unknown:
        raise LexiconError(f"unknown flag {unknown[0]!r} (flags: {', '.join(known)})")
    if Flag.WHOLE_WORD in given and Flag.NO_WHOLE_WORD in given:
        raise LexiconError("whole-word and no-whole-word together")
    whole = True if Flag.WHOLE_WORD in given else False if Flag.NO_WHOLE_WORD in given else None
    return LexiconEntry.make(pattern, replacement, is_regex=Flag.REGEX in given,
                             match_case=Flag.MATCH_CASE in given, whole_word=whole, language=language.strip())


def entry_to_json(entry: LexiconEntry) -> dict[str, Any]:
    return {"pattern": entry.pattern, "replacement": entry.replacement, "regex": entry.regex,
            "match_case": entry.match_case, "whole_word": entry.whole_word, "language": entry.language}


def entry_from_json(raw: Any) -> LexiconEntry:
    """An entry from its JSON object; LexiconError for anything that is not one."""
    if not isinstance(raw, dict):
        raise LexiconError("an entry must be an object")
    unknown = sorted(set(raw) - _JSON_KEYS)
    if unknown:
        raise LexiconError(f"unknown key {unknown[0]!r} (keys: {', '.join(sorted(_JSON_KEYS))})")
    for key in ("pattern", "replacement"):
        if not isinstance(raw.get(key), str):
            raise LexiconError(f"{key!r} must be text")
    for key in ("regex", "match_case", "whole_word"):
        if key in raw and not isinstance(raw[key], bool) and raw[key] is not None:
            raise LexiconError(f"{key!r} must be true or false")
    language = raw.get("language")
    if language is not None and not isinstance(language, str):
        raise LexiconError("'language' must be text or null")
    return LexiconEntry.make(raw["pattern"], raw["replacement"], is_regex=bool(raw.get("regex")),
                             match_case=bool(raw.get("match_case")), whole_word=raw.get("whole_word"),
                             language=language)


def parse_json_entries(text: str, name: str = "lexicon") -> list[LexiconEntry]:
    try:
        items = parse_json(text, expect=list, max_depth=3, what=name)
    except JsonFileError as exc:
        raise LexiconError(str(exc)) from None
    if len(items) > MAX_ENTRIES:
        raise LexiconError(f"{name} holds {len(items):,} entries; at most {MAX_ENTRIES:,}")
    entries = []
    for number, raw in enumerate(items, 1):
        try:
            entries.append(entry_from_json(raw))
        except LexiconError as exc:
            raise LexiconError(f"{name} entry {number}: {exc}") from None
    return entries
