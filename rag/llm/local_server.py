"""Start the embedded model's server on first use and reuse it across processes.

The server runs detached (`python -m rag.llm.serve`) on 127.0.0.1; `DATA_HOME/llm-server.json` records
its pid, URL and model hash so that the next `rag ask`, the UI and eval runs reuse it instead of loading
the model again. `rag llm stop` ends it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rag.llm.client import LLMEndpointError
from rag.llm.model_files import MODEL_NAME, MODEL_SHA256, ensure_model
from rag.settings import Settings


def state_file(settings: Settings) -> Path:
    return settings.data_dir / "llm-server.json"


def _healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def _is_model_server(pid: int) -> bool:
    """Whether `pid` is one of our model servers (a stale pid file may name an unrelated process)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"rag.llm.serve" in command


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def running_server(settings: Settings) -> dict | None:
    path = state_file(settings)
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    ok = state.get("model_sha256") == MODEL_SHA256 and _is_model_server(state["pid"]) and _healthy(state["url"])
    return state if ok else None


def ensure_server(settings: Settings) -> str:
    """Base URL (`http://127.0.0.1:PORT`) of a healthy embedded-model server, starting one if needed.

    Threads, context and parallel slots come from `settings.llm.local_*` (used when starting a server).
    """
    llm = settings.llm
    state_path = state_file(settings)
    state_path.parent.mkdir(parents=True, exist_ok=True)
    with (state_path.parent / ".llm-server.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes asking at once start one server, not two
        if state := running_server(settings):
            return state["url"]
        model = ensure_model(settings.data_dir)
        port = _free_port()
        log = (state_path.parent / "llm-server.log").open("ab")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rag.llm.serve",
                str(model),
                "--port",
                str(port),
                "--threads",
                str(llm.local_threads),
                "--ctx",
                str(llm.local_ctx),
                "--parallel",
                str(llm.local_parallel),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + llm.local_startup_timeout_s
        while not _healthy(url, timeout=1.0):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log_path = state_path.parent / "llm-server.log"
                raise LLMEndpointError(f"the embedded model server did not start; see {log_path}")
            time.sleep(0.25)
        state_path.write_text(
            json.dumps({"pid": process.pid, "url": url, "model": MODEL_NAME, "model_sha256": MODEL_SHA256})
        )
        return url


def stop_server(settings: Settings) -> bool:
    path = state_file(settings)
    if not path.exists():
        return False
    try:
        state = json.loads(path.read_text())
    except json.JSONDecodeError:
        state = {"pid": -1}  # unreadable: nothing we can safely signal
    stopped = False
    if _is_model_server(state["pid"]):  # never signal a process that merely reuses a recorded pid
        with contextlib.suppress(OSError):
            os.kill(state["pid"], signal.SIGTERM)
        for _ in range(100):
            if not _alive(state["pid"]):
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(OSError):
                os.kill(state["pid"], signal.SIGKILL)
        stopped = True
    path.unlink(missing_ok=True)
    return stopped
