"""A one-line terminal progress bar for exports: the phase, done/total, and an ETA."""

from __future__ import annotations

from typing import TextIO

from reader_app.export.exporter import ExportPhase, ExportProgress


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ExportProgressBar:
    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self._shown = False
        self._is_tty = stream.isatty()
        self._last_line = ""
        self._last_step: tuple[ExportPhase, int] | None = None

    def update(self, p: ExportProgress) -> None:
        fraction = min(1.0, p.done / p.total) if p.total else 1.0
        filled = round(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        if p.phase is ExportPhase.GENERATING:
            what = f"generating {int(p.done)}/{int(p.total)} sentences"
        else:
            what = f"encoding {_clock(p.done)} of {_clock(p.total)}"
        eta = p.eta_s
        line = f"[{bar}] {fraction:4.0%} {what}" + (f", ETA {_clock(eta)}" if eta is not None else "")
        if self._is_tty:
            self.stream.write("\r" + line.ljust(len(self._last_line)))
        elif (p.phase, int(fraction * 10)) != self._last_step:  # a log, not a terminal: a line per tenth
            self._last_step = (p.phase, int(fraction * 10))
            self.stream.write(line + "\n")
        self.stream.flush()
        self._last_line, self._shown = line, True

    def clear(self) -> None:
        if self._shown and self._is_tty:
            self.stream.write("\n")
            self.stream.flush()
        self._shown = False
