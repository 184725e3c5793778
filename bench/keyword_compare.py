"""Dev-set retrieval quality of the SQLite FTS5 keyword index vs the bm25s index it replaced; prints JSON.

python -m bench.keyword_compare [--index-dir DIR]   (default: the configured index)

Both run in one process over the same index and the same dense results: the bm25s side builds the old
in-memory index (same tokenizer and stemmer, title twice + abstract) from the committed papers and
stands in for the keyword half of the `bm25` and `hybrid` retrievers.
"""

from __future__ import annotations

import argparse
import json

import bm25s
import numpy as np

from evals.questions import load_questions
from evals.retrieval_eval import DEFAULT_QUESTIONS, evaluate
from rag.retrieve import _QUESTION_META, BM25Retriever, Searcher, SearchFilters
from rag.settings import Settings
from rag.sparse import _STEMMER, paper_text, query_terms


class _Bm25s:
    def __init__(self, searcher: Searcher) -> None:
        papers = {pid: e.paper for pid, e in searcher.files.load_state().items()}
        self.ids = sorted(papers)
        self.papers = papers
        texts = [paper_text(papers[i].title, papers[i].abstract) for i in self.ids]
        self.retriever = bm25s.BM25()
        self.retriever.index(
            bm25s.tokenize(texts, stopwords="en", stemmer=_STEMMER, show_progress=False), show_progress=False
        )

    def scores(self, query: str, filters: SearchFilters, depth: int) -> dict[str, float]:
        terms = query_terms(_QUESTION_META.sub(" ", query))
        if not terms:
            return {}
        scores = np.asarray(self.retriever.get_scores(terms))
        ranked: dict[str, float] = {}
        for row in np.argsort(-scores):
            if scores[row] <= 0 or len(ranked) >= depth:
                break
            if filters.accepts(self.papers[self.ids[row]]):
                ranked[self.ids[row]] = float(scores[row])
        return ranked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir")
    parser.add_argument("--saturation", type=float, action="append", help="also try these bm25_saturation values")
    args = parser.parse_args()
    settings = Settings.load(overrides={"index.dir": args.index_dir})
    questions = load_questions(DEFAULT_QUESTIONS)
    searcher = Searcher(settings)
    results: dict[str, object] = {"fts5": evaluate(searcher, questions)}
    for saturation in args.saturation or []:
        tuned = Searcher(settings.with_overrides({"retrieval.bm25_saturation": saturation}))
        results[f"fts5 saturation={saturation}"] = evaluate(tuned, questions)
    old = _Bm25s(searcher)
    original = BM25Retriever.scores
    BM25Retriever.scores = lambda self, query, filters, depth: old.scores(query, filters, depth)  # type: ignore[method-assign]
    try:
        results["bm25s"] = evaluate(searcher, questions)
    finally:
        BM25Retriever.scores = original  # type: ignore[method-assign]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
