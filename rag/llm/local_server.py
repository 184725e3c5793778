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

from rag import config
from rag.llm.model_files import MODEL_NAME, MODEL_SHA256, ensure_model

STARTUP_TIMEOUT_S = 180


def state_file() -> Path:
    return config.data_home() / "llm-server.json"


def default_threads() -> int:
    # One thread by default: on 2 cores llama.cpp collapses under contention with the embedder at 2.
    return int(os.environ.get("RAG_LLM_THREADS", "1"))


def _healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


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


def running_server() -> dict | None:
    path = state_file()
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    ok = state.get("model_sha256") == MODEL_SHA256 and _alive(state["pid"]) and _healthy(state["url"])
    return state if ok else None


def ensure_server(threads: int | None = None) -> str:
    """Base URL (`http://127.0.0.1:PORT`) of a healthy embedded-model server, starting one if needed."""
    state_path = state_file()
    state_path.parent.mkdir(parents=True, exist_ok=True)
    with (state_path.parent / ".llm-server.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes asking at once start one server, not two
        if state := running_server():
            return state["url"]
        model = ensure_model()
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
                str(threads or default_threads()),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(url, timeout=1.0):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log_path = state_path.parent / "llm-server.log"
                raise RuntimeError(f"the embedded model server did not start; see {log_path}")
            time.sleep(0.25)
        state_path.write_text(
            json.dumps({"pid": process.pid, "url": url, "model": MODEL_NAME, "model_sha256": MODEL_SHA256})
        )
        return url


def stop_server() -> bool:
    path = state_file()
    if not path.exists():
        return False
    state = json.loads(path.read_text())
    stopped = False
    if _alive(state["pid"]):
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
