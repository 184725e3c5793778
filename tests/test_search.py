"""Hybrid paper-level search on the bundled index: API, CLI JSON, filters, and retrieval quality."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from evals.questions import load_questions
from evals.retrieval_eval import DEFAULT_QUESTIONS, evaluate
from rag import search
from rag.retrieve import Searcher

MEMORY_QUESTION = "How can one train a model whose memory exceeds the GPUs of a single server?"


def test_search_finds_the_paper_and_never_repeats_one(bundled_index):
    hits = search(MEMORY_QUESTION, k=10, index_dir=bundled_index)
    assert hits[0].paper.title.startswith("Harmony")
    assert len({h.paper.paper_id for h in hits}) == len(hits) == 10
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_cli_search_json_with_index_dir_from_environment(bundled_index):
    env = {**os.environ, "RAG_INDEX_DIR": str(bundled_index)}
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "search", "zeroth-order optimization", "-k", "5", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    rows = json.loads(result.stdout)
    assert len(rows) == 5
    for row in rows:
        assert {"paper_id", "title", "score", "date", "authors", "upvotes", "url"} <= row.keys()
    deepzero = next(r for r in rows if r["title"].startswith("DeepZero"))
    assert (deepzero["authors"], deepzero["date"], deepzero["upvotes"]) == (10, "2023-10-03", 2)


def test_year_and_code_filters(bundled_index):
    dated = search("sparse training of neural networks", k=10, index_dir=bundled_index, year_from=2023, year_to=2023)
    assert dated and all(h.paper.date and h.paper.date.startswith("2023") for h in dated)
    coded = search("image restoration", k=10, index_dir=bundled_index, has_code=True)
    assert len(coded) == 10 and all(h.paper.code_urls for h in coded)
    unfiltered = search("image restoration", k=10, index_dir=bundled_index)
    assert any(not h.paper.code_urls for h in unfiltered)  # the filter did something


def test_empty_query_is_a_clear_error(bundled_index):
    with pytest.raises(ValueError, match="empty query"):
        search("   ", index_dir=bundled_index)
    env = {**os.environ, "RAG_INDEX_DIR": str(bundled_index)}
    result = subprocess.run([sys.executable, "-m", "rag.cli", "search", " "], capture_output=True, text=True, env=env)
    assert result.returncode == 2 and "empty query" in result.stderr and "Traceback" not in result.stderr


def test_missing_index_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "search", "anything", "--index-dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "rag ingest" in result.stderr


def test_hybrid_beats_or_matches_each_single_retriever(bundled_index):
    questions = load_questions(DEFAULT_QUESTIONS)
    assert len(questions) >= 40
    assert {q.type for q in questions} == {"lookup", "numeric", "multi", "unanswerable", "followup"}
    results = evaluate(Searcher(index_dir=bundled_index), questions)
    hybrid, dense, bm25 = results["hybrid"], results["dense"], results["bm25"]
    for metric in ("recall@5", "mrr"):
        assert hybrid[metric] >= max(dense[metric], bm25[metric]), results
    # recall@10: hybrid matches BM25; dense-only finds one more gold paper (rank 9 vs 14 in one
    # three-paper question): a known gap reported in the README, pinned here so it cannot grow.
    assert hybrid["recall@10"] >= bm25["recall@10"], results
    assert hybrid["recall@10"] >= dense["recall@10"] - 0.01, results
    assert hybrid["mrr"] >= 0.95 and hybrid["recall@5"] >= 0.9
