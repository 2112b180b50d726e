"""Kill a writing process at random moments (SIGKILL) and check what survives; fill the disk and check the same.

Every clip the child reported after its commit must be there and whole; no clip may ever be torn; the file must
pass the integrity check; the last position the child reported must be the one stored (or a later one).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from reader_app.cli.main import build_parser
from reader_app.store import Library
from tests.support import crash_child

CHILD = Path(crash_child.__file__)
ROUNDS = 10
ROOT = Path(__file__).resolve().parents[2]


def spawn(data_dir: Path, mode: str, start: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(CHILD), str(data_dir), mode, str(start)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def collect(proc: subprocess.Popen, lines: list[str], ready: threading.Event) -> None:
    for line in proc.stdout:
        lines.append(line.strip())
        if line.startswith("CLIP"):
            ready.set()


def check_cache(data_dir: Path, reported: dict[int, str], last_pos: int | None, since: int = 0) -> int:
    """Open as the app would after a crash and verify clips numbered `since` or more; returns the clip count."""
    lib = Library(data_dir)
    book = crash_child.BOOK
    with lib.open_book_cache(book) as cache:
        assert cache.integrity_check() == []
        for n in reported:
            if n >= since:
                got = cache.get_clip(crash_child.key(n))
                assert got is not None, f"clip {n} was reported stored but is gone"
                assert len(got.samples) == crash_child.length(n)
        # Every clip in the file, reported or not, is whole (none torn by the kill).
        digests = {r[0] for r in cache._conns.conn.execute("SELECT digest FROM clips")}
        for n in range(since, max(reported, default=0) + 50):
            if crash_child.key(n).digest in digests:
                assert len(cache.get_clip(crash_child.key(n)).samples) == crash_child.length(n)
        count = len(digests)
    if last_pos is not None:
        pos = lib.position(book.fingerprint)
        stored_n = round(pos.offset_s * 10)
        assert stored_n >= last_pos and pos.sentence_id == crash_child.IDS[stored_n % len(crash_child.IDS)]
    lib.close()
    return count


def test_sigkill_during_writes_loses_nothing_committed(tmp_path):
    rng = random.Random(1234)
    data_dir = tmp_path / "data"
    reported: dict[int, str] = {}
    last_pos = None
    next_n = 0
    for _round in range(ROUNDS):
        proc = spawn(data_dir, "crash", next_n)
        lines: list[str] = []
        first_clip = threading.Event()
        reader = threading.Thread(target=collect, args=(proc, lines, first_clip), daemon=True)
        reader.start()
        if _round % 4 == 3:  # now and then, kill it while it opens, migrates or syncs sentences
            time.sleep(rng.uniform(0.1, 0.5))
        else:
            assert first_clip.wait(30), proc.stderr.read() if proc.poll() is not None else "child never wrote"
            time.sleep(rng.uniform(0.0, 0.35))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        reader.join(5)
        for line in lines:
            parts = line.split()
            if parts[0] == "CLIP":
                reported[int(parts[1])] = parts[2]
            elif parts[0] == "POS":
                last_pos = int(parts[1])
        check_cache(data_dir, reported, last_pos, since=next_n)
        # The child may have committed clips it never got to report: start the next round past them.
        next_n = max(reported, default=0) + 50
    assert check_cache(data_dir, reported, last_pos) >= len(reported)
    assert len(reported) > ROUNDS * 3, "the child should have stored clips in most rounds"
    print(f"{ROUNDS} kills, {len(reported)} clips reported stored, all intact")


def test_disk_full_is_a_clear_error_and_reading_keeps_working(tmp_path):
    data_dir = tmp_path / "data"
    proc = spawn(data_dir, "full", 0)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    errors = [line[len("ERROR "):] for line in lines if line.startswith("ERROR ")]
    assert len(errors) == 5, out
    for message in errors:
        assert message.startswith("Disk full: could not store audio for 'Test Book'"), message
        assert "free some space" in message
    read_ok = next(line for line in lines if line.startswith("READ-OK")).split()
    assert read_ok[1] == read_ok[3] and int(read_ok[1]) > 10
    assert next(line for line in lines if line.startswith("CHECK")) == "CHECK []"
    reported = {int(p[1]): p[2] for p in (line.split() for line in lines) if p[0] == "CLIP"}
    count = check_cache(data_dir, reported, None)
    assert count == len(reported)  # the failed clip left nothing behind
    # `cache --check` passes on what the full disk left, and a later run (space back) resumes where it stopped.
    path = Library.cache_path_for(crash_child.BOOK.fingerprint, data_dir)
    args = build_parser().parse_args(["cache", str(path), "--check", "--json"])
    assert args.handler(args) == 0
    resume_at = max(reported) + 6  # past the five that failed
    proc = spawn(data_dir, "resume", resume_at)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    resumed = {int(p[1]): p[2] for p in (line.split() for line in out.splitlines()) if p[0] == "CLIP"}
    assert sorted(resumed) == list(range(resume_at, resume_at + 10))
    assert check_cache(data_dir, {**reported, **resumed}, None) == len(reported) + 10


def test_sigkill_while_creating_a_fresh_library(tmp_path):
    """Killed while it creates and migrates the databases: the next start still opens them cleanly."""
    rng = random.Random(99)
    for i in range(4):
        data_dir = tmp_path / f"fresh{i}"
        proc = spawn(data_dir, "crash", 0)
        time.sleep(rng.uniform(0.3, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        if data_dir.exists():
            check_cache(data_dir, {}, None)
