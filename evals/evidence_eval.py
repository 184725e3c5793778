"""Evidence recall: how often the sentences an answer is written from hold its answer.

    python -m evals.evidence_eval evals/questions/dev.jsonl [...] [--split tune|test|all] [--backend B] [--rows]

For every answerable question with `answer_any` keyword groups, the pipeline gathers evidence exactly
as `ask()` does for `--backend` (retrieval, sentence selection, the first-paper reranker and the
one-paper focus), without generating; a follow-up is made standalone by the heuristic condenser, not
the LLM. A question counts as covered when the evidence shown to the generator holds one alternative of
every group. A generator cannot state what it is not shown, so this bounds correctness from above, and
it needs no LLM: a change to evidence selection is measured in a minute.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from evals.metrics import is_correct
from evals.questions import in_split, load_questions
from rag.followup import heuristic_standalone
from rag.pipeline import Pipeline
from rag.settings import Settings


def evidence_text(pipeline: Pipeline, question: str, query: str) -> str:
    """The evidence block's sentences (all sources) for one question, as one string."""
    evidence = pipeline.gather_evidence(question, query)
    return " ".join(sentence for source in evidence.answer_sources for sentence in source.evidence)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="+", type=Path)
    parser.add_argument("--split", choices=["tune", "test", "all"], default="all")
    parser.add_argument("--backend", default="local", help="generator whose evidence path is followed")
    parser.add_argument("--rows", action="store_true", help="also list the questions not covered")
    args = parser.parse_args()
    settings = Settings.load().with_overrides({"generation": {"backend": args.backend}})
    pipeline = Pipeline(settings)
    report: dict[str, object] = {"split": args.split, "backend": args.backend, "files": {}}
    for path in args.questions:
        questions = [q for q in in_split(load_questions(path), args.split) if q.answerable and q.answer_any]
        missed = []
        for q in questions:
            query = heuristic_standalone(q.question, q.history) if q.history else q.question
            if not is_correct(evidence_text(pipeline, q.question, query), q.answer_any):
                missed.append(q.qid)
        entry: dict[str, object] = {
            "questions": len(questions),
            "covered": len(questions) - len(missed),
            "recall": round(1 - len(missed) / max(1, len(questions)), 4),
        }
        if args.rows:
            entry["missed"] = missed
        report["files"][path.name] = entry  # type: ignore[index]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
