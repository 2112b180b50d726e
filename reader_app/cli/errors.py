"""How the command line fails: one line on stderr and a non-zero exit, never a traceback (unless --debug or
READER_APP_DEBUG=1 asks for one).

Commands raise the project's own error types (StoreError, BookError, EngineError and its voice subclasses) or
OSError / ValueError for bad input; main() catches them all in one place (report()), which also decides the exit
code: 2 for what the caller named wrong (usage_error_types(): a book file, model folder, voice or recording that
does not exist, a voice of the wrong kind for the model, arguments that cannot be used together), as argparse
does for bad arguments; 1 for input the command could not use; 70 for a bug. Argument errors are one line too
(ArgumentParser.error). Text is made printable on any stderr: a file name that is not UTF-8 arrives from the OS
as lone surrogates, which a strict UTF-8 stream cannot write.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

DEBUG_FLAG = "--debug"
DEBUG_ENV = "READER_APP_DEBUG"

EXIT_ERROR = 1  # the command could not do its job (bad input, a damaged or full store, no usable model)
EXIT_USAGE = 2  # bad arguments, or something named that does not exist (usage_error_types)
EXIT_BUG = 70  # something we did not expect (EX_SOFTWARE): a bug to report, with --debug's traceback
EXIT_PIPE = 141  # stdout's reader went away (`| head -1`): 128 + SIGPIPE, as a shell reports a killed writer


class UsageError(ValueError):
    """Arguments that parse but cannot be used (--from past the book's end, a missing option): exit 2."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: 'reader-app play: error: ... (see reader-app play --help)'. Subparsers
    inherit the class, so every subcommand fails the same way."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


def take_debug_flag(argv: list[str]) -> tuple[list[str], bool]:
    """(argv without --debug, whether debugging was asked for): the flag may stand anywhere before `--`, and the
    environment variable READER_APP_DEBUG=1 asks for it too."""
    end = argv.index("--") if "--" in argv else len(argv)
    debug = DEBUG_FLAG in argv[:end]
    rest = [a for a in argv[:end] if a != DEBUG_FLAG] + argv[end:]
    return rest, debug or os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def user_error_types() -> tuple[type[BaseException], ...]:
    """What a command raises for input it cannot use: said in one line, exit 1. Imported when needed (light)."""
    from reader_app.books.errors import BookError
    from reader_app.store.errors import StoreError
    from reader_app.tts.engine import EngineError

    return StoreError, BookError, EngineError, OSError, ValueError


def usage_error_types() -> tuple[type[BaseException], ...]:
    """What the caller named wrong: exit 2, whichever command met it (the one mapping of not-found errors)."""
    from reader_app.models.catalog import ModelNotFoundError
    from reader_app.voices.compat import VoiceModelMismatch
    from reader_app.voices.library import VoiceNotFoundError
    from reader_app.voices.recording import RecordingNotFoundError

    return (UsageError, FileNotFoundError, IsADirectoryError, ModelNotFoundError, VoiceNotFoundError,
            RecordingNotFoundError, VoiceModelMismatch)


def exit_code(exc: BaseException) -> int:
    """The exit code report() gives `exc`."""
    if isinstance(exc, usage_error_types()):
        return EXIT_USAGE
    return EXIT_ERROR if isinstance(exc, user_error_types()) else EXIT_BUG


def stdout_closed() -> int:
    """The reader of stdout went away (`reader-app voices list --json | head -1`): the recipe of Python's signal
    docs. Whatever is still buffered goes to devnull, so the interpreter's last flush at exit cannot fail with
    'Broken pipe' either; exits quietly with EXIT_PIPE."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout has no descriptor (replaced in-process): nothing left to protect
        pass
    return EXIT_PIPE


_debug = False


def set_debug(on: bool) -> None:
    """--debug: report() raises instead of saying, so the traceback shows (main sets it)."""
    global _debug
    _debug = on


def report(exc: BaseException) -> int:
    """Say what went wrong in one line on stderr; returns the exit code. With --debug it raises `exc` instead
    (the traceback is what was asked for)."""
    if isinstance(exc, BrokenPipeError):
        return stdout_closed()  # nobody reads any more: nothing to say, not even with --debug
    if _debug:
        raise exc
    code = exit_code(exc)
    if code != EXIT_BUG:
        say(f"error: {one_line(exc)}")
        return code
    say(f"error: unexpected {type(exc).__name__}: {one_line(exc)} (run with --debug to see where; please "
        "report it)")
    return EXIT_BUG


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def printable(text: str) -> str:
    """Lone surrogates (bytes of a non-UTF-8 file name) written as \\xNN escapes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def say(line: str) -> None:
    """One line on stderr."""
    print(printable(line), file=sys.stderr, flush=True)


def require_file(path: Path, what: str = "book") -> Path:
    """`path` if it is a readable file; else OSError with a one-line reason (checked before a window opens,
    which would otherwise report it in a dialog nobody may be there to close)."""
    if path.is_dir():
        raise IsADirectoryError(f"{printable(str(path))} is a folder, not a {what} file")
    if not path.is_file():
        raise FileNotFoundError(f"No such {what} file: {printable(str(path))}")
    return path
