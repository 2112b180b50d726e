"""A tiny stand-in for the Hugging Face hub HTTP API on 127.0.0.1, enough for snapshot_download.

It serves one folder as a model repo: repo info (with file sizes), and HEAD/GET of files under
/{repo_id}/resolve/{revision}/{path}, with ETag / X-Repo-Commit headers and byte ranges (resume).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    def __init__(self, repo_id: str, folder: Path, delay_per_chunk_s: float = 0.0) -> None:
        self.repo_id = repo_id
        self.folder = Path(folder)
        self.delay = delay_per_chunk_s
        self.files = {str(p.relative_to(folder)): p for p in sorted(folder.rglob("*")) if p.is_file()}
        self.requests: list[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_HEAD(self) -> None:
                hub._serve(self, body=False)

            def do_GET(self) -> None:
                hub._serve(self, body=True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _serve(self, handler: BaseHTTPRequestHandler, body: bool) -> None:
        path = unquote(urlparse(handler.path).path)
        self.requests.append(f"{handler.command} {path}")
        info_prefixes = (f"/api/models/{self.repo_id}",)
        if path.startswith(info_prefixes):
            payload = json.dumps({"id": self.repo_id, "modelId": self.repo_id, "sha": COMMIT, "private": False,
                                  "siblings": [{"rfilename": name, "size": p.stat().st_size}
                                               for name, p in self.files.items()]}).encode()
            self._send(handler, 200, {"Content-Type": "application/json"}, payload if body else None,
                       len(payload))
            return
        prefix = f"/{self.repo_id}/resolve/"
        if not path.startswith(prefix):
            self._send(handler, 404, {"X-Error-Code": "RepoNotFound"}, b"not found" if body else None, 9)
            return
        _revision, _, name = path[len(prefix):].partition("/")
        file = self.files.get(name)
        if file is None:
            self._send(handler, 404, {"X-Error-Code": "EntryNotFound"}, b"not found" if body else None, 9)
            return
        data = file.read_bytes()
        etag = hashlib.sha256(data).hexdigest()
        headers = {"ETag": f'"{etag}"', "X-Repo-Commit": COMMIT, "Accept-Ranges": "bytes",
                   "Content-Type": "application/octet-stream"}
        start, status = 0, 200
        rng = handler.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0] or 0)
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        self._send(handler, status, headers, data[start:] if body else None, len(data) - start)

    def _send(self, handler, status: int, headers: dict, payload: bytes | None, length: int) -> None:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        if payload is None:
            return
        step = 256 * 1024
        try:
            for i in range(0, len(payload), step):
                handler.wfile.write(payload[i:i + step])
                if self.delay:
                    time.sleep(self.delay)
        except (BrokenPipeError, ConnectionResetError):
            pass
