"""The product makes no outbound network connection: every socket it opens is to loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

NETWATCH = Path(__file__).parent / "netwatch"
QUESTION = "How can transformer language models be compressed to run on microcontrollers?"
LOOPBACK_HOSTS = ("127.", "'localhost'", "::1", "'::1'")


def run_watched(args: list[str], log: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(NETWATCH), "NETWATCH_LOG": str(log), **(env_extra or {})}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=600)


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
    outbound = [e for e in events(log) if not is_local(e)]
    assert outbound == []


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
    try:
        asked = run_watched(
            ["-m", "rag.cli", "ask", QUESTION, "--backend", "local", "--json", "--index-dir", str(index)], log, data
        )
        assert asked.returncode == 0, asked.stderr
    finally:
        run_watched(["-m", "rag.cli", "llm", "stop"], log, data)
    connects = [e for e in events(log) if e["event"] == "socket.connect"]
    assert any("127.0.0.1" in e["address"] for e in connects)  # it did talk to the local server
    assert [e for e in events(log) if not is_local(e)] == []


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
    env = {**os.environ, "PYTHONPATH": str(NETWATCH), "NETWATCH_LOG": str(log), "RAG_BACKEND": "extractive"}
    index = tmp_path / "index"
    shutil.copytree(bundled_index, index)
    server = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ui", "--port", str(port), "--index-dir", str(index)],
        env=env,
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
        server.terminate()
        server.wait(timeout=30)
    assert remote == []  # the page loads no remote asset
    assert [e for e in events(log) if e["event"] == "socket.connect"]  # the watcher was active in the server
    assert [e for e in events(log) if not is_local(e)] == []
