"""What a parse may be asked to do differently: the choices a user has over what is read aloud."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CodeListings(StrEnum):
    """What becomes of a program listing (`<pre>`, a block of `<code>`) in an EPUB."""

    READ = "read"  # verbatim, symbol by symbol
    SUMMARISE = "summarise"  # one short unit: "Code listing, 14 lines."
    SKIP = "skip"  # nothing


@dataclass(frozen=True)
class ParseOptions:
    code_listings: CodeListings = CodeListings.SUMMARISE


DEFAULT_OPTIONS = ParseOptions()
