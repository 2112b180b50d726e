"""Child process for the crash and disk-full tests: stores clips as fast as it can and reports each commit.

Usage: python crash_child.py DATA_DIR MODE [START]
  MODE "crash": loop forever (the parent kills us); prints "CLIP <n> <digest>" after each committed clip and
                "POS <n>" after each committed position.
  MODE "full":  set RLIMIT_FSIZE a little above the cache file, store until StoreError (five times), then
                check that reading still works; prints "CLIP ...", "ERROR <message>", "READ-OK", "CHECK".
  MODE "resume": store 10 clips from START and exit (a run after space came back).

The parent side (Child) starts one, follows what it reports, and can freeze or kill it at a chosen moment.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: the imports below need the repository root

import numpy as np  # noqa: E402

from reader_app.audio.clip import AudioClip  # noqa: E402
from reader_app.store import ClipKey, Library, Position, StoreError  # noqa: E402
from tests.support.audio import noise_clip  # noqa: E402
from tests.support.books import make_book  # noqa: E402

BOOK = make_book(n_chapters=4, per_chapter=100)
IDS = [s.id for s in BOOK.sentences()]


def key(n: int) -> ClipKey:
    return ClipKey.build(f"clip number {n}", "voice", "model")


def length(n: int) -> int:
    """Each clip's exact sample count, so the parent can tell a whole clip from a torn one."""
    return 2_000 + (n * 7919) % 20_000


_BASES = [noise_clip(1.0, seed=s).samples for s in range(5)]


def clip(n: int) -> AudioClip:
    return AudioClip(np.resize(_BASES[n % 5], length(n)), 24_000)


def main() -> None:
    data_dir, mode = Path(sys.argv[1]), sys.argv[2]
    start = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    lib = Library(data_dir)
    lib.add_book(BOOK)
    cache = lib.open_book_cache(BOOK)
    print("READY", flush=True)
    if mode == "full":
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        limit = cache.size_on_disk() + 1_500_000
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    stored = []
    n, failures = start, 0
    if mode == "resume":
        for n in range(start, start + 10):
            cache.put_clip(key(n), clip(n), sentence_id=IDS[n % len(IDS)])
            print(f"CLIP {n} {key(n).digest}", flush=True)
        cache.close()
        lib.close()
        return
    while failures < 5:  # after the first failure, keep trying: each must fail cleanly or store a whole clip
        try:
            cache.put_clip(key(n), clip(n), sentence_id=IDS[n % len(IDS)])
        except StoreError as exc:
            print(f"ERROR {exc}", flush=True)
            failures += 1
            n += 1
            continue
        stored.append(n)
        print(f"CLIP {n} {key(n).digest}", flush=True)
        if n % 3 == 0:
            lib.save_position(BOOK.fingerprint, Position(IDS[n % len(IDS)], n / 10))
            print(f"POS {n}", flush=True)
        n += 1
    # Disk full: what is cached must still play, and the database must still be sound.
    ok = sum(1 for m in stored if (c := cache.get_clip(key(m))) is not None and len(c.samples) == length(m))
    print(f"READ-OK {ok} of {len(stored)}", flush=True)
    print(f"CHECK {cache.integrity_check()}", flush=True)
    cache.close()
    lib.close()


class Child:
    """The parent's handle on a running child: what it reported, and when to stop it."""

    def __init__(self, data_dir: Path, mode: str, start: int = 0) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__)), str(data_dir), mode, str(start)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.clips: dict[int, str] = {}  # reported committed: n -> digest
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._follow, daemon=True)
        self._reader.start()

    def _follow(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            parts = line.split()
            if parts and parts[0] == "CLIP":
                with self._lock:
                    self.clips[int(parts[1])] = parts[2]

    def wait_for_clips(self, count: int, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.clips) < count:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"child stopped or stalled after {len(self.clips)} clips: "
                                     f"{self.proc.stderr.read() if self.proc.stderr else ''}")
            time.sleep(0.01)

    def freeze(self) -> None:
        """SIGSTOP: it commits nothing more, and its files stay open as they are."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def kill(self) -> dict[int, str]:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._reader.join(5)
        with self._lock:
            return dict(self.clips)


if __name__ == "__main__":
    main()
