"""Retrieval quality on a question set: recall@5, recall@10 and MRR for BM25-only, dense-only and hybrid.

python -m evals.retrieval_eval [evals/questions/dev.jsonl] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from evals.metrics import retrieval_scores
from evals.questions import Question, load_questions
from rag.followup import heuristic_standalone
from rag.retrieve import RETRIEVERS, Searcher
from rag.settings import Settings

DEFAULT_QUESTIONS = Path(__file__).parent / "questions" / "dev.jsonl"


def retrieval_query(question: Question) -> str:
    return heuristic_standalone(question.question, question.history)


def evaluate(searcher: Searcher, questions: list[Question]) -> dict[str, dict[str, float]]:
    answerable = [q for q in questions if q.answerable]
    results: dict[str, dict[str, float]] = {}
    for mode in RETRIEVERS.names():
        totals = {"recall@5": 0.0, "recall@10": 0.0, "mrr": 0.0}
        for q in answerable:
            hits = searcher.search(retrieval_query(q), k=10, mode=mode)
            scores = retrieval_scores([h.paper.title for h in hits], q.gold_titles)
            for metric in totals:
                totals[metric] += scores[metric]
        results[mode] = {m: round(v / len(answerable), 4) for m, v in totals.items()}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="?", default=str(DEFAULT_QUESTIONS))
    parser.add_argument("--index-dir")
    args = parser.parse_args()
    questions = load_questions(args.questions)
    results = evaluate(Searcher(Settings.load(), index_dir=args.index_dir), questions)
    print(json.dumps({"questions": sum(q.answerable for q in questions), **results}, indent=2))


if __name__ == "__main__":
    main()
