"""A paper repeating a higher-ranked paper's sentences word for word gives its place to a different one."""

from __future__ import annotations

import json

from rag.collapse import repeats_last
from rag.ingestion import ingest
from rag.paper import Paper
from rag.retrieve import Searcher
from rag.settings import Settings

SHARED = "We prune convolutional filters whose batch-norm scaling factors fall below a learned threshold."
OTHER = "Channel pruning removes whole feature maps chosen by a reinforcement-learning agent to cut latency."


def _paper(title: str, abstract: str) -> Paper:
    return Paper.create(title, abstract)


def test_a_repeat_goes_after_the_distinct_papers_and_the_first_never_moves():
    first = _paper("Slimming Networks", f"{SHARED} It halves the FLOPs of VGG-16 on CIFAR-10.")
    copy = _paper("Slimming Networks, Extended", f"{SHARED} We also study ResNets on ImageNet.")
    other = _paper("Agent-Driven Channel Pruning", OTHER)
    papers = {p.paper_id: p for p in (first, copy, other)}
    ranked = [first.paper_id, copy.paper_id, other.paper_id]
    assert repeats_last(ranked, papers) == [first.paper_id, other.paper_id, copy.paper_id]


def test_short_common_sentences_are_not_repeats():
    one = _paper("A", "Code is available online. We study graph kernels for molecules in depth here.")
    two = _paper("B", "Code is available online. Sparse attention folds proteins with measured energies.")
    ranked = [one.paper_id, two.paper_id]
    assert repeats_last(ranked, {p.paper_id: p for p in (one, two)}) == ranked


def test_search_gives_a_copys_place_to_a_different_paper(tmp_path):
    records = [
        {"title": "Slimming Networks by Batch-Norm Scaling", "abstract": f"{SHARED} It halves the FLOPs of VGG-16."},
        {"title": "Slimming Networks by Batch-Norm Scaling (Extended)", "abstract": f"{SHARED} It halves the FLOPs."},
        {"title": "Agent-Driven Channel Pruning", "abstract": OTHER},
        {"title": "Graph Kernels for Molecules", "abstract": "We compare graph kernels for molecule retrieval tasks."},
    ]
    corpus = tmp_path / "papers.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    ingest([corpus], tmp_path / "index")
    searcher = Searcher(Settings.load(), index_dir=tmp_path / "index")
    query = "pruning convolutional filters by their batch-norm scaling factors"
    collapsed = [h.paper.title for h in searcher.search(query, k=2)]
    off = searcher.settings.retrieval.model_copy(update={"repeat_window": 1})
    plain = [h.paper.title for h in searcher.search(query, k=2, retrieval=off)]
    assert all(t.startswith("Slimming Networks") for t in plain)  # without collapsing, the copy takes place 2
    assert collapsed[0] == plain[0] and collapsed[1] == "Agent-Driven Channel Pruning"
