"""The product makes no outbound network connection and writes nothing outside its own directories.

Two watchers: a Python audit hook (tests/netwatch: `socket.connect`, `getaddrinfo`, `sendto` from Python
code) and `strace -f` (tests/syscall_audit: every process's and thread's `connect`/`sendto`/`sendmsg`,
so native code's TCP and UDP/DNS too, and every file opened for writing). Writes are allowed only in
RAG_DATA_DIR, the index directory and the OS temp dir.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fault_server import misbehaving_server
from tests.syscall_audit import Audit, audit_logs, run_traced, stop_traced, strace_prefix

ROOT = Path(__file__).resolve().parent.parent
NETWATCH = Path(__file__).parent / "netwatch"
QUESTION = "How can transformer language models be compressed to run on microcontrollers?"
LOOPBACK_HOSTS = ("127.", "'localhost'", "::1", "'::1'")


def watched_env(log: Path, env_extra: dict[str, str] | None = None) -> dict[str, str]:
    # The hook's folder goes first; the caller's PYTHONPATH (e.g. a worktree checkout) stays after it.
    path = os.pathsep.join(p for p in (str(NETWATCH), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "NETWATCH_LOG": str(log), **(env_extra or {})}


def run_watched(args: list[str], log: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python ARGS` under both watchers: the audit hook logs to `log`, strace to `log`.strace.PID."""
    return run_traced([sys.executable, *args], strace_log(log), watched_env(log, env_extra), ROOT)


def strace_log(log: Path) -> Path:
    return log.with_name(log.name + ".strace")


def syscalls(log: Path, index: Path) -> Audit:
    return audit_logs(strace_log(log), ROOT, [Path(os.environ["RAG_DATA_DIR"]), index])


def events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def is_local(entry: dict) -> bool:
    if entry.get("family") == 1:  # AF_UNIX
        return True
    target = entry.get("address") or entry.get("host") or ""
    return any(marker in target for marker in LOOPBACK_HOSTS)


def test_the_watcher_sees_connections(tmp_path):
    """Control: without this, an empty log would prove nothing."""
    log = tmp_path / "control.jsonl"
    code = (
        "import socket\n"
        "try:\n    socket.create_connection(('192.0.2.1', 9), timeout=0.01)\n"  # TEST-NET-1: never routed
        "except OSError:\n    pass"
    )
    run_watched(["-c", code], log)
    assert any("192.0.2.1" in e.get("address", "") for e in events(log))


def test_the_syscall_watcher_sees_udp_dns_and_writes(tmp_path):
    """Control for strace: a UDP datagram (as a DNS query is) and a write to the home directory are caught."""
    log = tmp_path / "control.jsonl"
    target = Path.home() / f".rag-netwatch-control-{os.getpid()}"
    code = (
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.sendto(b'query', ('192.0.2.1', 53))\n"
        f"open({str(target)!r}, 'w').close()\n"
    )
    try:
        assert run_watched(["-c", code], log).returncode == 0
    finally:
        target.unlink(missing_ok=True)
    audit = syscalls(log, tmp_path / "index")
    assert any("192.0.2.1" in line and "htons(53)" in line for line in audit.outbound), audit.summary()
    assert any(str(target) in line for line in audit.writes), audit.summary()


def test_ingest_and_search_make_no_outbound_connection(small_corpus, tmp_path):
    log = tmp_path / "net.jsonl"
    index = tmp_path / "index"
    ingest = run_watched(["-m", "rag.cli", "ingest", str(small_corpus["folder"]), "--index-dir", str(index)], log)
    assert ingest.returncode == 0, ingest.stderr
    search = run_watched(
        ["-m", "rag.cli", "search", "transformers on microcontrollers", "--json", "--index-dir", str(index)], log
    )
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)[0]["title"] == "Tiny Transformers on Microcontrollers"
    asked = run_watched(
        ["-m", "rag.cli", "ask", QUESTION, "--backend", "extractive", "--json", "--index-dir", str(index)], log
    )
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["sentences"]
    with misbehaving_server("answer") as (url, handler):
        remote = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "x", "RAG_MODEL": "m"}
        asked = run_watched(
            ["-m", "rag.cli", "ask", QUESTION, "--backend", "openai", "--json", "--index-dir", str(index)], log, remote
        )
        assert asked.returncode == 0, asked.stderr
        assert handler.requests >= 1  # the openai backend (gate, answer, checks) talked to the loopback endpoint
    outbound = [e for e in events(log) if not is_local(e)]
    assert outbound == []
    audit = syscalls(log, index)
    assert audit.loopback_connects > 0  # strace was watching: it saw the openai backend's connection
    assert audit.outbound == [] and audit.writes == [], audit.summary()


def test_local_model_makes_no_outbound_connection(small_corpus, tmp_path):
    """The embedded model's server (a separate process, watched too) and its client talk on loopback only."""
    log = tmp_path / "net.jsonl"
    index = tmp_path / "index"
    data = {"RAG_DATA_DIR": os.environ["RAG_DATA_DIR"]}
    assert (
        run_watched(
            ["-m", "rag.cli", "ingest", str(small_corpus["folder"]), "--index-dir", str(index)], log, data
        ).returncode
        == 0
    )
    # The server outlives the command that starts it, and `strace -f` waits for every process it traces:
    # start it under its own strace, which ends when `rag llm stop` ends the server. A server left running
    # by earlier tests is stopped first, so that the one answering here is traced.
    run_watched(["-m", "rag.cli", "llm", "stop"], log, data)
    server = subprocess.Popen(
        [*strace_prefix(strace_log(log)), sys.executable, "-m", "rag.cli", "llm", "start"],
        env=watched_env(log, data),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdout.readline().startswith("http://127.0.0.1")
        asked = run_watched(
            ["-m", "rag.cli", "ask", QUESTION, "--backend", "local", "--json", "--index-dir", str(index)], log, data
        )
        assert asked.returncode == 0, asked.stderr
    finally:
        run_watched(["-m", "rag.cli", "llm", "stop"], log, data)
        stop_traced(server)
    connects = [e for e in events(log) if e["event"] == "socket.connect"]
    assert any("127.0.0.1" in e["address"] for e in connects)  # it did talk to the local server
    assert [e for e in events(log) if not is_local(e)] == []
    audit = syscalls(log, index)  # the model server process is traced too (strace -f)
    assert audit.outbound == [] and audit.writes == [], audit.summary()


def test_chat_server_makes_no_outbound_connection(bundled_index, tmp_path):
    """The Gradio app, loaded in a real browser and asked a question, talks to nothing but loopback."""
    import shutil
    import socket
    import time
    import urllib.request

    from playwright.sync_api import sync_playwright

    log = tmp_path / "net.jsonl"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = watched_env(log, {"RAG_BACKEND": "extractive"})
    index = tmp_path / "index"
    shutil.copytree(bundled_index, index)
    server = subprocess.Popen(
        [
            *strace_prefix(strace_log(log)),
            sys.executable,
            "-m",
            "rag.cli",
            "ui",
            "--port",
            str(port),
            "--index-dir",
            str(index),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page()
            remote = []
            page.on(
                "request",
                lambda r: None if r.url.startswith(url) or r.url.startswith("data:") else remote.append(r.url),
            )
            page.goto(url)
            page.fill("#question textarea", QUESTION)
            page.click("#ask-btn")
            page.wait_for_selector(".rag-answer:not(.rag-streaming)", timeout=120_000)
            browser.close()
    finally:
        stop_traced(server)
    assert remote == []  # the page loads no remote asset
    assert [e for e in events(log) if e["event"] == "socket.connect"]  # the watcher was active in the server
    assert [e for e in events(log) if not is_local(e)] == []
    audit = syscalls(log, index)
    assert audit.outbound == [] and audit.writes == [], audit.summary()
