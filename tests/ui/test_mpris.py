"""MPRIS on a private D-Bus session bus: a child process opens a real window with a book; this test drives it
with `dbus-send` (PlayPause, Next, Pause, Quit) and reads PlaybackStatus and Metadata back, while the window
reports its own state on stdout and `dbus-monitor` records the PropertiesChanged signals.

dbus-daemon, dbus-send and dbus-monitor come with the `dbus` package, which scripts/bootstrap.sh installs: a
machine without them fails this test instead of skipping it."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from reader_app.ui.system.mpris import OBJECT_PATH, PLAYER, SERVICE

CHILD = Path(__file__).resolve().parents[1] / "support" / "mpris_child.py"
WAIT_S = 60.0  # a bound for failure only; each step takes a fraction of a second


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install the dbus package (scripts/bootstrap.sh does)")
    return path


class Bus:
    def __init__(self, tmp_path: Path) -> None:
        self.daemon = subprocess.Popen([_tool("dbus-daemon"), "--session", "--print-address", "--nofork"],
                                       stdout=subprocess.PIPE, text=True)
        assert self.daemon.stdout is not None
        self.address = self.daemon.stdout.readline().strip()
        assert self.address.startswith(("unix:", "tcp:")), self.address
        self.env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": self.address}
        self.monitor_log = tmp_path / "monitor.txt"
        with open(self.monitor_log, "w") as out:
            self.monitor = subprocess.Popen(
                [_tool("dbus-monitor"), "--session", f"type='signal',path='{OBJECT_PATH}'"],
                stdout=out, stderr=subprocess.STDOUT, env=self.env)

    def call(self, method: str, *args: str, interface: str = PLAYER) -> str:
        done = subprocess.run([_tool("dbus-send"), "--session", "--print-reply", f"--dest={SERVICE}", OBJECT_PATH,
                               f"{interface}.{method}", *args], capture_output=True, text=True, env=self.env,
                              timeout=WAIT_S)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def get(self, name: str, interface: str = PLAYER) -> str:
        return self.call("Get", f"string:{interface}", f"string:{name}", interface="org.freedesktop.DBus.Properties")

    def close(self) -> None:
        for process in (self.monitor, self.daemon):
            process.terminate()
            process.wait(10)


class Child:
    """The window's own reports, one JSON object per line, read on a thread."""

    def __init__(self, bus: Bus, data: Path) -> None:
        self.process = subprocess.Popen([sys.executable, str(CHILD), str(data)], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env={**bus.env, "QT_QPA_PLATFORM":
                                                                                 "offscreen"})
        self.lines: queue.Queue[dict] = queue.Queue()
        self.last: dict = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                self.lines.put(json.loads(line))

    def wait_for(self, test) -> dict:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            try:
                report = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    pytest.fail(f"the window's process ended: {self.process.stderr.read()[-3000:]}")
                continue
            self.last = report
            if test(report):
                return report
        pytest.fail(f"the window never reported what was waited for (last: {self.last})")


def _until(read, expected: str) -> str:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        text = read()
        if expected in text:
            return text
        time.sleep(0.1)
    pytest.fail(f"{expected!r} never appeared in:\n{text}")


def test_mpris_drives_the_window_on_a_private_session_bus(tmp_path):
    bus = Bus(tmp_path)
    child = Child(bus, tmp_path / "data")
    try:
        ready = child.wait_for(lambda r: r["event"] == "ready")
        assert ready["mpris"] is True and ready["chapter"] == 0
        assert 'string "Stopped"' in bus.get("PlaybackStatus")
        meta = bus.get("Metadata")
        assert "Alice" in meta and 'string "xesam:album"' in meta and "object path" in meta
        root = bus.call("GetAll", "string:org.mpris.MediaPlayer2", interface="org.freedesktop.DBus.Properties")
        assert 'string "Reader"' in root and 'string "DesktopEntry"' in root
        assert 'boolean true' in bus.get("CanGoNext")

        bus.call("PlayPause")
        child.wait_for(lambda r: r["state"] in ("playing", "buffering"))
        _until(lambda: bus.get("PlaybackStatus"), 'string "Playing"')

        bus.call("Next")  # a track is a chapter
        child.wait_for(lambda r: r["chapter"] == 1)
        _until(lambda: bus.get("Metadata"), "/org/reader_app/chapter/1")

        bus.call("Pause")
        child.wait_for(lambda r: r["state"] == "paused")
        _until(lambda: bus.get("PlaybackStatus"), 'string "Paused"')
        assert child.process.poll() is None

        # The desktop heard each change without asking.
        log = _until(lambda: bus.monitor_log.read_text(), 'string "Paused"')
        assert "member=PropertiesChanged" in log and 'string "Playing"' in log
        assert "/org/reader_app/chapter/1" in log

        bus.call("Quit", interface="org.mpris.MediaPlayer2")
        assert child.process.wait(WAIT_S) == 0
    finally:
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait(10)
        bus.close()
