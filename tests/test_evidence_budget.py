"""No evidence piece exceeds the token budget: a giant sentence is cut (and marked), never sent whole."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.budget import TRUNCATED, cap_tokens
from rag.embedding import MiniLMEmbedding
from rag.evidence import count_prompt_tokens, select_evidence
from rag.ingestion import ingest
from rag.paper import Paper
from rag.pipeline import ask
from rag.retrieve import SearchHit
from rag.sentences import SentenceIndex
from rag.settings import EvidenceSettings

QUESTION = "Which folding energies did sparse attention measure for proteins?"
# One sentence of ~18,000 characters and ~9,000 tokens (three-digit groups are separate tokens).
GIANT = "Sparse attention folds proteins with measured energies " + ", ".join(str(1000 + i) for i in range(3000)) + "."
NORMAL = "We also fold small proteins with dense attention and compare their stability on three benchmarks."


def _hit(title: str, abstract: str) -> SearchHit:
    return SearchHit(paper=Paper.create(title, abstract), score=1.0)


def test_cap_tokens_bounds_and_marks():
    assert cap_tokens("short sentence.", 50) == "short sentence."
    capped = cap_tokens(GIANT, 120)
    assert capped is not None and capped.endswith(TRUNCATED) and count_prompt_tokens(capped) <= 120
    assert GIANT.startswith(capped.removesuffix(TRUNCATED))
    assert cap_tokens(GIANT, 5) is None  # no room for a useful piece: skipped


@pytest.mark.parametrize("budget", [40, 220, 400])
def test_every_selected_piece_fits_the_budget(budget):
    embedder = MiniLMEmbedding()
    hits = [_hit("Sparse Attention for Protein Folding", f"{GIANT} {NORMAL}"), _hit("Dense Folding", NORMAL)]
    question = embedder.embed([QUESTION])[0]
    sources = select_evidence(question, hits, SentenceIndex(embedder), EvidenceSettings(token_budget=budget))
    used = sum(count_prompt_tokens(s.title) + 4 + sum(count_prompt_tokens(e) for e in s.evidence) for s in sources)
    assert sources and used <= budget
    pieces = [e for s in sources for e in s.evidence]
    assert any(e.endswith(TRUNCATED) for e in pieces)  # the giant sentence was cut, and says so
    assert all(len(e) < len(GIANT) for e in pieces)
    assert np.isfinite([s.evidence_score for s in sources]).all()


@pytest.fixture(scope="module")
def giant_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("giant")
    papers = [
        {"title": "Sparse Attention for Protein Folding", "abstract": f"{GIANT} {NORMAL}"},
        {"title": "Graph Kernels for Molecule Retrieval", "abstract": "We propose graph kernels for molecules."},
    ]
    (folder / "papers.jsonl").write_text("".join(json.dumps(p) + "\n" for p in papers))
    ingest([folder / "papers.jsonl"], folder / "index")  # under index.max_abstract_chars: accepted
    return folder / "index"


def test_local_model_answers_a_question_whose_evidence_is_one_giant_sentence(giant_index, local_model_url):
    """Before the cap the whole 9,000-token sentence went into a 4,096-token context: HTTP 400."""
    answer = ask(QUESTION, backend="local", index_dir=giant_index)
    assert answer.sources and answer.sources[0].title == "Sparse Attention for Protein Folding"
    assert answer.prompt_tokens < 2000
