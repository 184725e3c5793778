"""Shared fixtures: an isolated data dir, a small real corpus in both dump formats, the bundled index."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rag import config

ROOT = Path(__file__).resolve().parent.parent
BLOCKS_DUMP = ROOT / "data" / "001_6db61dd5d9b04dfc.txt"
LINES_DUMP = ROOT / "data" / "000_75701c152b0229d1.txt"


@pytest.fixture(scope="session", autouse=True)
def isolated_data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Nothing a test does may touch the user's real index or data directory."""
    home = tmp_path_factory.mktemp("data-home")
    os.environ["RAG_DATA_DIR"] = str(home)
    os.environ.pop("RAG_INDEX_DIR", None)
    os.environ.pop("RAG_CHROMA_URL", None)
    return home


def blocks_dump_head(papers: int) -> str:
    """The first `papers` records of a real block-format dump, page chrome included."""
    blocks = BLOCKS_DUMP.read_text(encoding="utf-8").split("\n\n")
    return "\n\n".join(blocks[: 6 + 3 * papers]) + "\n"


def lines_dump_head(papers: int) -> str:
    lines = LINES_DUMP.read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[: 2 + 2 * papers]) + "\n"


@pytest.fixture()
def small_corpus(tmp_path: Path) -> dict[str, Path]:
    """Two real dump excerpts (6 + 5 papers) and a JSONL file of 3 papers, in a fresh folder."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    blocks = folder / "blocks.txt"
    blocks.write_text(blocks_dump_head(6), encoding="utf-8")
    lines = folder / "lines.txt"
    lines.write_text(lines_dump_head(5), encoding="utf-8")
    jsonl = folder / "extra.jsonl"
    records = [
        {
            "title": "Graph Kernels for Molecule Retrieval",
            "abstract": "We propose graph kernels that retrieve "
            "molecules by substructure similarity and improve recall by 12% on three chemistry benchmarks.",
            "date": "2024-02-01",
            "authors": ["A. One", "B. Two"],
        },
        {
            "title": "Tiny Transformers on Microcontrollers",
            "abstract": "We compress transformer language models to "
            "run on microcontrollers with 256 KB of memory, keeping 95% of the accuracy. Code: "
            "https://github.com/example/tiny-tf",
            "upvotes": 7,
        },
        {
            "title": "Sourdough Fermentation Dynamics",
            "abstract": "We model the microbial dynamics of sourdough "
            "starters and show how hydration and temperature change the acidity of the bread.",
        },
    ]
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return {"folder": folder, "blocks": blocks, "lines": lines, "jsonl": jsonl}


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole bundled corpus ingested once per test session (real model, real Chroma)."""
    from rag.ingestion import ingest

    index = tmp_path_factory.mktemp("bundled-index")
    report = ingest(None, index)
    assert report.papers == 400
    return index


@pytest.fixture()
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


def bundled_files() -> list[Path]:
    return config.bundled_corpus_files()


@pytest.fixture(scope="session")
def _local_model_settings():
    """Settings of the embedded model's server for this test session; the server is stopped at the end."""
    from rag.llm.local_server import stop_server
    from rag.llm.model_files import parts_installed
    from rag.settings import Settings

    if not parts_installed():
        pytest.fail("the embedded model is not installed: `make test` installs it (make model)")
    settings = Settings.load()
    yield settings
    stop_server(settings)


@pytest.fixture()
def local_model_url(_local_model_settings):
    """The real embedded model behind its OpenAI-compatible server: started once, restarted if a test
    (the no-network audit) stopped it to trace a server of its own."""
    from rag.llm.local_server import ensure_server

    return ensure_server(_local_model_settings)


@pytest.fixture()
def filters_only():
    """An entailment verifier (default settings, the real embedding model) whose judge fails the test if it
    is ever asked: the cheap filters must decide."""
    from rag.embedding import embedder_for
    from rag.entailment import EntailmentJudge
    from rag.sentences import SentenceIndex
    from rag.settings import Settings
    from rag.verification import EntailmentVerifier

    settings = Settings.load()
    embedder = embedder_for(settings.index)
    never_asked = EntailmentJudge(lambda: pytest.fail("the judge was asked: a cheap filter should have decided"))
    return EntailmentVerifier(settings.verification, embedder, SentenceIndex(embedder), judge=never_asked)
