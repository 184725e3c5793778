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
