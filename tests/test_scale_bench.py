"""The scale benchmark's synthetic distractors (bench/scale.py): what they may and may not contain."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from rag.paper import normalize_title
from rag.text import split_sentences

_spec = importlib.util.spec_from_file_location("scale_bench", Path(__file__).parent.parent / "bench" / "scale.py")
scale = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scale)


def _gold_sentences() -> set[str]:
    gold = scale._recall_gold_titles()
    return {s for p in scale._bundled() if normalize_title(p.title) in gold for s in split_sentences(p.abstract)}


def test_unrelated_distractors_never_carry_a_gold_papers_sentence():
    gold = _gold_sentences()
    records = scale.synthetic_records(300, seed=12, taken=set(), source="unrelated")
    assert len(records) == 300
    assert not any(s in gold for r in records for s in split_sentences(r["abstract"]))


def test_copy_distractors_do_carry_gold_sentences():
    gold = _gold_sentences()
    records = scale.synthetic_records(300, seed=12, taken=set(), source="copies")
    assert sum(s in gold for r in records for s in split_sentences(r["abstract"])) > 50


@pytest.mark.slow
def test_the_vector_search_phase_compares_chroma_with_exact_search(bundled_index: Path):
    # 707 chunks are fewer than the search breadth (2000), so HNSW visits them all: exactly 1.0. A
    # mismatch of ids, normalisation or top-k would show here; at 112k chunks the figure is 0.97.
    result = scale.run_phase("ann", "--index", str(bundled_index))
    assert result["hnsw_ef_search"] == 2000
    assert result["ann_recall@200"] == 1.0
