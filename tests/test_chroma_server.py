"""The same ingest and search against a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import chromadb
import pytest

from rag.errors import RagError
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


def _committed_papers(index_dir: Path) -> int:
    """Papers committed to the index's state database so far (0 before it exists)."""
    path = index_dir / "state.sqlite"
    if not path.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as db:
            return db.execute("SELECT count(*) FROM papers").fetchone()[0]
    except sqlite3.Error:  # created but not yet initialised
        return 0


def _kill(chroma_server_process: subprocess.Popen) -> None:
    chroma_server_process.kill()
    chroma_server_process.wait(timeout=30)


@pytest.fixture()
def killable_chroma(tmp_path: Path):
    """A `chroma run` server that the test kills itself: (url, process)."""
    chroma = shutil.which("chroma") or str(Path(os.sys.executable).with_name("chroma"))
    port = _free_port()
    process = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "chroma run did not start"
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}", process
    if process.poll() is None:
        _kill(process)


def test_server_killed_mid_session_is_a_clear_error(killable_chroma, small_corpus, index_dir, monkeypatch):
    from rag.errors import StoreUnavailableError

    url, process = killable_chroma
    monkeypatch.setenv("RAG_CHROMA_URL", url)
    ingest([small_corpus["folder"]], index_dir)
    searcher = Searcher(index_dir=index_dir)
    assert searcher.search("transformers on microcontrollers", k=3)
    _kill(process)
    with pytest.raises(StoreUnavailableError, match=f"Chroma server at {url} is unreachable"):
        searcher.search("transformers on microcontrollers", k=3)
    env = {**os.environ, "RAG_CHROMA_URL": url}
    new = index_dir.parent / "new.jsonl"  # a new file: the ingest has something to write
    new.write_text('{"title": "A New Paper", "abstract": "We propose a new method for sparse training."}\n')
    for command in (["search", "transformers on microcontrollers"], ["ingest", str(new)]):
        result = subprocess.run(
            [os.sys.executable, "-m", "rag.cli", *command, "--index-dir", str(index_dir)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert result.returncode == 2, result.stderr
        assert f"Chroma server at {url} is unreachable" in result.stderr and "Traceback" not in result.stderr


def test_server_killed_during_an_ingest_is_a_clear_error(killable_chroma, index_dir):
    url, process = killable_chroma
    env = {**os.environ, "RAG_CHROMA_URL": url}
    # Small batches: the ingest is still embedding when the first batch is committed and the server dies.
    ingesting = subprocess.Popen(
        [
            os.sys.executable,
            "-m",
            "rag.cli",
            "ingest",
            "--index-dir",
            str(index_dir),
            "--set",
            "index.ingest_batch_size=4",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 300
    while not _committed_papers(index_dir):  # the first batch is committed
        assert ingesting.poll() is None and time.monotonic() < deadline, ingesting.communicate()
        time.sleep(0.05)
    _kill(process)
    _, stderr = ingesting.communicate(timeout=300)
    assert ingesting.returncode == 2, stderr
    assert f"Chroma server at {url} is unreachable" in stderr and "Traceback" not in stderr


def test_the_chat_page_reports_a_dead_chroma_server(killable_chroma, small_corpus, index_dir, monkeypatch):
    from gradio_client import Client

    from rag.retrieve import clear_searchers
    from ui.app import launch

    url, process = killable_chroma
    monkeypatch.setenv("RAG_CHROMA_URL", url)
    ingest([small_corpus["folder"]], index_dir)
    settings = Settings.load(
        overrides={"index.dir": index_dir, "generation.backend": "extractive", "ui.port": _free_port()}
    )
    clear_searchers()
    demo = launch(settings, block=False)
    try:
        client = Client(f"http://127.0.0.1:{settings.ui.port}", verbose=False)
        assert client.predict("transformers on microcontrollers?", "extractive", 3, api_name="/ask")["sources"]
        _kill(process)
        with pytest.raises(Exception, match=f"Chroma server at {url} is unreachable"):
            client.predict("transformers on microcontrollers?", "extractive", 3, api_name="/ask")
    finally:
        demo.close()
        clear_searchers()


SEARCH_LOOP = textwrap.dedent(
    """
    import json, sys
    from rag.retrieve import Searcher
    searcher = Searcher(index_dir=sys.argv[1])
    print("ready", flush=True)
    for line in sys.stdin:
        hits = searcher.search(line.strip(), k=3)
        print(json.dumps([[h.paper.title, h.dense_score, h.bm25_score] for h in hits]), flush=True)
    """
)


def _ingest_in_process(paths: list[Path], index_dir: Path, env: dict[str, str]) -> dict:
    code = (
        "import sys, json; from rag.ingestion import ingest; print(ingest(sys.argv[2:], sys.argv[1]).model_dump_json())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(index_dir), *map(str, paths)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_processes_on_different_index_dirs_share_one_server_index(chroma_server, small_corpus, tmp_path):
    env = {**os.environ, "RAG_CHROMA_URL": chroma_server, "RAG_INDEX__SYNC_INTERVAL_S": "0"}
    first = _ingest_in_process([small_corpus["jsonl"]], tmp_path / "instance-a", env)
    assert first["papers"] == 3

    reader = subprocess.Popen(
        [sys.executable, "-c", SEARCH_LOOP, str(tmp_path / "instance-b")],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "ready", reader.stderr.read()

        def ask(query: str) -> list:
            reader.stdin.write(query + "\n")
            reader.stdin.flush()
            return json.loads(reader.stdout.readline())

        hits = ask("transformers on microcontrollers with little memory")
        assert hits[0][0] == "Tiny Transformers on Microcontrollers"
        assert hits[0][1] is not None and hits[0][2] is not None  # dense from the server, keywords from the cache

        # An ingest through instance A shows up in the running instance B without any manual step ...
        new = tmp_path / "new.jsonl"
        new.write_text(
            json.dumps(
                {
                    "title": "Quantum Annealing for Sparse Coding",
                    "abstract": "Quantum annealers solve sparse coding problems faster than classical heuristics.",
                }
            )
            + "\n"
        )
        added = _ingest_in_process([new], tmp_path / "instance-a", env)
        assert added["papers"] == 4 and added["added"] == 1
        assert ask("quantum annealing sparse coding")[0][0] == "Quantum Annealing for Sparse Coding"

        # ... and so does a removal.
        records = [json.loads(line) for line in small_corpus["jsonl"].read_text().splitlines()]
        small_corpus["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in records[:2]))
        removed = _ingest_in_process([small_corpus["jsonl"]], tmp_path / "instance-a", env)
        assert removed["removed"] == 1
        assert "Sourdough Fermentation Dynamics" not in [h[0] for h in ask("sourdough bread starter acidity")]
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)

    # A third instance (fresh directory) sees the same papers from the server alone.
    stats = subprocess.run(
        [sys.executable, "-m", "rag.cli", "stats", "--index-dir", str(tmp_path / "instance-c")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["papers"] == 3


def test_a_server_collection_that_lost_its_chunks_is_refused_clearly(
    chroma_server, small_corpus, index_dir, monkeypatch
):
    monkeypatch.setenv("RAG_CHROMA_URL", chroma_server)
    ingest([small_corpus["jsonl"]], index_dir)
    port = int(chroma_server.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    collection = Settings.load().index.collection
    client.delete_collection(collection)  # the vectors are gone, the paper records are not
    with pytest.raises(RagError, match=r"holds 0 chunks but its paper records expect \d+"):
        ingest([small_corpus["jsonl"]], index_dir)
