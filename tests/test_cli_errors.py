"""Careless command lines get one clear message and exit 2, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys


def _rag(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=os.environ, timeout=300
    )


def test_ui_on_a_busy_port_says_so_before_claiming_to_serve(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _rag("ui", "--port", str(port), "--index-dir", str(tmp_path / "index"))
    assert result.returncode == 2
    assert f"cannot serve the chat on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert "chat on http" not in result.stdout and "Traceback" not in result.stderr


def test_index_dir_that_is_a_file_is_named(tmp_path):
    not_a_dir = tmp_path / "index.txt"
    not_a_dir.write_text("I am a file\n")
    for command in (["ingest"], ["search", "sparse training"], ["stats"], ["ask", "What is sparse training?"]):
        result = _rag(*command, "--index-dir", str(not_a_dir))
        assert result.returncode == 2, (command, result.stderr)
        assert f"{not_a_dir} is a file, not a directory" in result.stderr and "Traceback" not in result.stderr
    assert not_a_dir.read_text() == "I am a file\n"
