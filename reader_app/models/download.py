"""Model download with progress and prompt cancellation, via huggingface_hub.snapshot_download.

snapshot_download cannot be interrupted inside a multi-GB file, so it runs in a child process that a cancel
simply terminates. The parent reports bytes on disk as progress. (A frozen app must call
multiprocessing.freeze_support() at start for this.)

download_into() never leaves a half-made model folder: the files go to a hidden sibling (".NAME.partial",
which find_installed_models skips), are checked, and the folder is renamed into place only then. A failed
download or a download that is no usable checkpoint is removed, and the error says why; a cancelled one is
kept hidden, so the next download of the same folder resumes it.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from reader_app.tts.engine import EngineError

_CONNECTION_ERRORS = ("ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout", "OfflineModeIsEnabled",
                      "LocalEntryNotFoundError", "MaxRetryError", "NewConnectionError", "ProxyError", "SSLError")


class DownloadCancelled(EngineError):
    """The user cancelled a model download."""


def _worker(repo_id: str, target: str, endpoint: str | None, out: multiprocessing.Queue) -> None:
    try:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # the parent reports progress
        from huggingface_hub import HfApi, snapshot_download

        try:
            info = HfApi(endpoint=endpoint).model_info(repo_id, files_metadata=True)
            total = sum(int(s.size or 0) for s in (info.siblings or [])) or None
            out.put(("total", total))
        except Exception as exc:  # noqa: BLE001 - sizes are optional; snapshot_download reports real errors
            if type(exc).__name__ in _CONNECTION_ERRORS:
                raise
        path = snapshot_download(repo_id, local_dir=target, endpoint=endpoint, max_workers=4)
        out.put(("done", str(path)))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent as text
        chain: list[str] = []
        cause: BaseException | None = exc
        while cause is not None and len(chain) < 4:
            chain.append(type(cause).__name__)
            cause = cause.__cause__ or cause.__context__
        out.put(("error", chain, str(exc).strip().splitlines()[0][:400] if str(exc).strip() else ""))


def _bytes_on_disk(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def _friendly_error(repo_id: str, chain: list[str], detail: str) -> EngineError:
    from reader_app import paths

    if any(name in _CONNECTION_ERRORS for name in chain):
        return EngineError(
            f"Could not download {repo_id}: the Hugging Face hub is not reachable from this computer "
            f"({chain[0]}). Check the internet connection (or HF_ENDPOINT / proxy settings), or download the "
            f"model on another computer and copy its folder into {paths.models_dir()}.")
    if any(name in ("RepositoryNotFoundError", "GatedRepoError", "RevisionNotFoundError") for name in chain):
        return EngineError(f"{repo_id} was not found on the Hugging Face hub (or needs a login): {detail}")
    return EngineError(f"Downloading {repo_id} failed: {chain[0]}: {detail}")


def download_snapshot(repo_id: str, target: Path, progress: Callable[[int, int | None], None] | None = None,
                      cancel_event=None, endpoint: str | None = None, poll_s: float = 0.2) -> Path:
    """Run snapshot_download(repo_id, local_dir=target) in a child process; see module docstring."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    ctx = multiprocessing.get_context("spawn")  # no fork: the parent may hold Qt or torch threads
    messages = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(repo_id, str(target), endpoint, messages), daemon=True,
                       name=f"download {repo_id}")
    proc.start()
    total: int | None = None
    result: str | None = None
    try:
        while result is None:
            try:
                message = messages.get(timeout=poll_s)
            except queue_module.Empty:
                message = None
            if message is not None:
                if message[0] == "total":
                    total = message[1]
                elif message[0] == "done":
                    result = message[1]
                    break
                elif message[0] == "error":
                    raise _friendly_error(repo_id, message[1], message[2])
            if cancel_event is not None and cancel_event.is_set():
                raise DownloadCancelled(f"Download of {repo_id} cancelled; it resumes where it stopped next time.")
            if message is None and not proc.is_alive():
                deadline = time.monotonic() + 2.0  # the last message may still be in the pipe
                while time.monotonic() < deadline and result is None:
                    try:
                        late = messages.get(timeout=0.2)
                    except queue_module.Empty:
                        continue
                    if late[0] == "done":
                        result = late[1]
                    elif late[0] == "error":
                        raise _friendly_error(repo_id, late[1], late[2])
                if result is None:
                    raise EngineError(f"Downloading {repo_id} stopped unexpectedly (exit code {proc.exitcode}).")
            if progress is not None:
                progress(_bytes_on_disk(target), total)
    finally:
        if result is not None:
            proc.join(timeout=5)  # normal exit after its last message
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=10)
        messages.close()
    if progress is not None:
        done = _bytes_on_disk(target)
        progress(done, total or done)
    return Path(result)


def partial_folder(target: Path) -> Path:
    """Where a download into `target` is made until it is complete and checked (hidden: a leading dot)."""
    return target.with_name(f".{target.name}.partial")


def download_into(repo_id: str, target: Path, check: Callable[[Path], object],
                  progress: Callable[[int, int | None], None] | None = None, cancel_event=None,
                  endpoint: str | None = None) -> Path:
    """Download repo_id into `target`, whole or not at all (see the module docstring); check(folder) raises
    (EngineError) when the download is not a usable checkpoint. A target that exists is replaced only if it is
    an empty folder or a checkpoint itself (check passes); anything else there is refused before downloading."""
    target = Path(target)
    if target.exists():
        if not target.is_dir():
            raise EngineError(f"Cannot download {repo_id} into {target}: it is a file.")
        if any(target.iterdir()):
            try:
                check(target)
            except EngineError:
                raise EngineError(f"Cannot download {repo_id} into {target}: the folder holds other files. "
                                  "Choose an empty or new folder.") from None
    partial = partial_folder(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        download_snapshot(repo_id, partial, progress=progress, cancel_event=cancel_event, endpoint=endpoint)
        try:
            check(partial)
        except EngineError as exc:
            raise EngineError(f"{repo_id} was downloaded but is not a usable checkpoint: {exc}") from exc
    except DownloadCancelled:
        raise  # kept (hidden) to resume next time
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # nothing half-written stays behind
        raise
    old = target.with_name(f".{target.name}.old")
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.rename(target, old)  # the replaced checkpoint (or empty folder) goes only once the new one is there
    os.rename(partial, target)
    shutil.rmtree(old, ignore_errors=True)
    return target
