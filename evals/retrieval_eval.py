"""Retrieval quality on a question set: recall@5, recall@10 and MRR for BM25-only, dense-only and hybrid.

python -m evals.retrieval_eval [evals/questions/dev.jsonl] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from evals.questions import Question, load_questions
from rag.followup import heuristic_standalone
from rag.paper import normalize_title
from rag.retrieve import MODES, Searcher

DEFAULT_QUESTIONS = Path(__file__).parent / "questions" / "dev.jsonl"


def retrieval_query(question: Question) -> str:
    return heuristic_standalone(question.question, [t.model_dump() for t in question.history])


def score_ranking(ranked_titles: list[str], gold_titles: list[str]) -> dict[str, float]:
    gold = {normalize_title(t) for t in gold_titles}
    ranked = [normalize_title(t) for t in ranked_titles]
    first = next((i for i, t in enumerate(ranked, start=1) if t in gold), None)
    return {
        "recall@5": len(gold & set(ranked[:5])) / len(gold),
        "recall@10": len(gold & set(ranked[:10])) / len(gold),
        "mrr": 1.0 / first if first else 0.0,
    }


def evaluate(searcher: Searcher, questions: list[Question]) -> dict[str, dict[str, float]]:
    answerable = [q for q in questions if q.answerable]
    results: dict[str, dict[str, float]] = {}
    for mode in MODES:
        totals = {"recall@5": 0.0, "recall@10": 0.0, "mrr": 0.0}
        for q in answerable:
            hits = searcher.search(retrieval_query(q), k=10, mode=mode)
            for metric, value in score_ranking([h.paper.title for h in hits], q.gold_titles).items():
                totals[metric] += value
        results[mode] = {m: round(v / len(answerable), 4) for m, v in totals.items()}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="?", default=str(DEFAULT_QUESTIONS))
    parser.add_argument("--index-dir")
    args = parser.parse_args()
    questions = load_questions(args.questions)
    results = evaluate(Searcher(args.index_dir), questions)
    print(json.dumps({"questions": sum(q.answerable for q in questions), **results}, indent=2))


if __name__ == "__main__":
    main()
