"""Files shipped beside the package: the sample book, icons, bundled voices.

They live in the top-level resources/ and voices/ folders of the source tree (an editable install points
here) or, in a PyInstaller build, under sys._MEIPASS.
"""

from __future__ import annotations

import sys
from pathlib import Path


def project_root() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    return Path(frozen_root) if frozen_root else Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    return project_root().joinpath("resources", *parts)


def sample_book_path() -> Path:
    return resource_path("sample_book.epub")


def bundled_voices_dir() -> Path:
    return project_root() / "voices"
