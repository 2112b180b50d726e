"""Output into a reader that went away (`reader-app voices list --json | head -1`) ends quietly: no 'Broken pipe'
message and no traceback; exit 141 (128 + SIGPIPE, as a shell reports a writer killed by its pipe)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.cli import isolated_home


def run_into_closed_pipe(home, *argv: str) -> tuple[int, str]:
    """`reader-app ARGV` writing into a pipe whose reader has already closed it: the first write fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "reader_app", *argv], stdout=write_end,
                              stderr=subprocess.PIPE, env=home.env, timeout=120)
    finally:
        os.close(write_end)
    return proc.returncode, proc.stderr.decode(errors="replace")


@pytest.mark.parametrize("argv", [("voices", "list", "--json"), ("voices", "list")])
def test_a_closed_pipe_ends_it_quietly(argv: tuple[str, ...], tmp_path) -> None:
    code, err = run_into_closed_pipe(isolated_home(tmp_path), *argv)
    assert err == "" and code == 141


def test_help_into_a_closed_pipe_is_quiet(tmp_path) -> None:
    code, err = run_into_closed_pipe(isolated_home(tmp_path), "voices", "--help")
    assert err == "" and code in (0, 141)


def test_a_reader_that_takes_one_line(tmp_path) -> None:
    home = isolated_home(tmp_path)
    writer = subprocess.Popen([sys.executable, "-m", "reader_app", "voices", "list", "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=home.env)
    assert writer.stdout is not None
    head = subprocess.run([sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.readline())"],
                          stdin=writer.stdout, capture_output=True, timeout=60)
    writer.stdout.close()
    _, err = writer.communicate(timeout=60)
    assert head.stdout.decode().strip() == "["
    assert err.decode() == "" and writer.returncode in (0, 141)  # 0 when all of it fitted in the pipe in time
