"""The Chroma collection searches wide enough to find the true nearest chunks (`index.hnsw_ef_search`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

ROOT = Path(__file__).resolve().parent.parent
TOP = 50

# Run in a fresh process: Chroma reads ef_search when a process first loads a collection's index.
_SEARCH_WITH_OPEN_COLLECTION = f"""
import json, sys
from pathlib import Path
import numpy as np
from rag.settings import Settings
from rag.store import open_collection
index_dir, queries = Path(sys.argv[1]), np.load(sys.argv[2])
collection = open_collection(Settings.load().index, index_dir)
found = [collection.query(query_embeddings=[q.tolist()], n_results={TOP}, include=[])["ids"][0] for q in queries]
print(json.dumps({{"ef_search": collection.configuration["hnsw"]["ef_search"], "found": found}}))
"""


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _recall(found: list[list[str]], vectors: np.ndarray, queries: np.ndarray) -> float:
    exact = [{str(i) for i in np.argsort(-(vectors @ q))[:TOP]} for q in queries]
    return float(np.mean([len(set(f) & e) / TOP for f, e in zip(found, exact, strict=True)]))


def test_an_index_made_with_chromas_default_breadth_is_widened_and_finds_the_true_neighbours(tmp_path: Path) -> None:
    # Unstructured vectors are HNSW's hard case: at 10k of them Chroma's default (ef_search 100) misses
    # about a third of the true top 50, as it missed a fifth of the top 400 at 112k real chunks.
    rng = np.random.default_rng(0)
    vectors, queries = _unit(rng.normal(size=(10_000, 128))), _unit(rng.normal(size=(20, 128)))
    client = chromadb.PersistentClient(
        path=str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    old = client.create_collection("paper_rag", embedding_function=None, metadata={"hnsw:space": "cosine"})
    ids = [str(i) for i in range(len(vectors))]
    for start in range(0, len(ids), 5000):
        old.add(ids=ids[start : start + 5000], embeddings=vectors[start : start + 5000])
    default_found = [old.query(query_embeddings=[q.tolist()], n_results=TOP, include=[])["ids"][0] for q in queries]
    assert old.configuration["hnsw"]["ef_search"] == 100
    assert _recall(default_found, vectors, queries) < 0.85  # the known "no": the default is too narrow

    np.save(tmp_path / "queries.npy", queries)
    done = subprocess.run(
        [sys.executable, "-c", _SEARCH_WITH_OPEN_COLLECTION, str(tmp_path), str(tmp_path / "queries.npy")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ef_search"] == 2000
    assert _recall(result["found"], vectors, queries) >= 0.98


def test_a_new_collection_is_made_with_the_configured_breadth(tmp_path: Path) -> None:
    from rag.settings import Settings
    from rag.store import open_collection

    index = Settings.load().with_overrides({"index.hnsw_ef_search": 750}).index
    assert open_collection(index, tmp_path).configuration["hnsw"]["ef_search"] == 750
    assert open_collection(index, tmp_path).configuration["hnsw"]["space"] == "cosine"
