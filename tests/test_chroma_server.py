"""The same ingest and search against a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import chromadb
import pytest

from rag.ingestion import ingest
from rag.retrieve import Searcher
from rag.settings import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def chroma_server(tmp_path: Path):
    chroma = shutil.which("chroma") or str(Path(os.sys.executable).with_name("chroma"))
    port = _free_port()
    log = (tmp_path / "chroma.log").open("w")
    process = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            assert process.poll() is None, (tmp_path / "chroma.log").read_text()
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("chroma run did not start listening within 60 s")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)


def test_ingest_and_search_against_chroma_server(chroma_server, small_corpus, index_dir, monkeypatch):
    monkeypatch.setenv("RAG_CHROMA_URL", chroma_server)
    report = ingest([small_corpus["folder"]], index_dir)
    assert report.papers == 14
    assert not (index_dir / "chroma").exists()  # vectors went to the server, not to an embedded store

    port = int(chroma_server.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    assert client.get_collection(Settings.load().index.collection).count() == report.chunks_embedded

    hits = Searcher(index_dir=index_dir).search("transformers on microcontrollers with little memory", k=3)
    assert hits[0].paper.title == "Tiny Transformers on Microcontrollers"
    assert hits[0].dense_score is not None  # the dense half really answered from the server


def test_unreachable_chroma_server_is_a_clear_error(small_corpus, index_dir, monkeypatch):
    monkeypatch.setenv("RAG_CHROMA_URL", f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(ConnectionError, match="Chroma server"):
        ingest([small_corpus["jsonl"]], index_dir)
