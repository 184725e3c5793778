"""Calibrate the abstention threshold on the best evidence-sentence score, using a question set.

    python -m evals.calibrate_abstention [QUESTIONS.jsonl] [--index-dir DIR] [--write]

Picks, among the midpoints between consecutive observed scores, the threshold with the lowest
false-abstention rate + missed-unanswerable rate (ties: the widest gap, i.e. the largest margin),
refusing any whose false-abstention rate exceeds 5%. `--write` stores it in rag/calibration.json.
"""

from __future__ import annotations

import argparse
import itertools
import json

from evals.questions import load_questions
from evals.retrieval_eval import DEFAULT_QUESTIONS, retrieval_query
from rag.answerability import CALIBRATION_FILE, best_evidence_score
from rag.generate import ExtractiveGenerator
from rag.pipeline import Pipeline
from rag.settings import Settings

MAX_FALSE_ABSTENTION = 0.05


def best_evidence_scores(questions, settings: Settings) -> list[tuple[bool, float]]:
    # The gate runs before generation, so any backend gives the same scores; extractive loads no LLM.
    pipeline = Pipeline(settings.with_overrides({"generation.backend": ExtractiveGenerator.name}))
    scored = []
    for q in questions:
        sources = pipeline.gather_evidence(q.question, retrieval_query(q))
        scored.append((q.answerable, best_evidence_score(sources)))
    return scored


def choose_threshold(scored: list[tuple[bool, float]]) -> dict[str, float]:
    answerable = sorted(score for ok, score in scored if ok)
    unanswerable = [score for ok, score in scored if not ok]

    def rates(t: float) -> tuple[float, float]:
        false_abstention = sum(s < t for s in answerable) / max(len(answerable), 1)
        missed = sum(s >= t for s in unanswerable) / max(len(unanswerable), 1)
        return false_abstention, missed

    points = sorted(s for _, s in scored)
    candidates = [((a + b) / 2, b - a) for a, b in itertools.pairwise(points) if b > a]
    allowed = [(t, gap) for t, gap in candidates if rates(t)[0] <= MAX_FALSE_ABSTENTION]
    threshold, _ = min(allowed, key=lambda c: (sum(rates(c[0])), -c[1]))
    threshold = round(threshold, 4)
    return {
        "abstain_below": threshold,
        "answerable_false_abstention": round(sum(s < threshold for s in answerable) / max(len(answerable), 1), 4),
        "unanswerable_abstained": round(sum(s < threshold for s in unanswerable) / max(len(unanswerable), 1), 4),
        "answerable_scores_min": round(answerable[0], 4) if answerable else None,
        "unanswerable_scores_max": round(max(unanswerable), 4) if unanswerable else None,
        "questions": len(scored),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="?", default=str(DEFAULT_QUESTIONS))
    parser.add_argument("--index-dir")
    parser.add_argument("--write", action="store_true", help="store the threshold in rag/calibration.json")
    args = parser.parse_args()
    settings = Settings.load(overrides={"index.dir": args.index_dir})
    result = choose_threshold(best_evidence_scores(load_questions(args.questions), settings))
    print(json.dumps(result, indent=2))
    if args.write:
        CALIBRATION_FILE.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
