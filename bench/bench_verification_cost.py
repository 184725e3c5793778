"""What meaning-level checks cost: time to first token and total time, with and without them, in one run.

    python bench/bench_verification_cost.py [--questions N] [--rounds R]

Answers the first N answerable dev questions with the local model under two settings, alternating
A B B A per round so that drift of a shared machine cancels out:
- `similarity`: the earlier pipeline (embedding verifier, no LLM answerability gate, unsupported
  and off-the-question sentences kept, evidence from every retrieved paper, ranked by MiniLM alone);
- `meaning`: the defaults (LLM answerability gate, entailment verifier with its copy and name rules,
  answers from one paper when the question asks about one, the first paper's sentences picked by e5,
  off-the-question and number-less answers to quantity questions left out).
The model server is restarted before every pass, so neither setting profits from the other's prompt
cache. Prints JSON: per setting, p50 of first token and total seconds, and the per-question ratios
meaning/similarity (median).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evals.questions import load_questions
from rag.llm.local_server import ensure_server, stop_server
from rag.pipeline import Pipeline
from rag.settings import Settings

SIMILARITY = {
    "verification.verifier": "embedding",
    "verification.answerable_below": 0.0,
    "verification.drop_unsupported": False,
    "evidence.focus_ratio": 0.0,
    "verification.off_topic_margin": 2.0,  # cosines differ by at most 2: every sentence stays
    "verification.require_question_names": False,
    "verification.require_number": False,
    "evidence.first_paper_ranker": "minilm",
}
DEV = Path(__file__).resolve().parent.parent / "evals" / "questions" / "dev.jsonl"


def one_pass(settings: Settings, questions: list) -> list[tuple[float, float]]:
    stop_server(settings)
    ensure_server(settings)
    pipeline = Pipeline(settings)
    timings = []
    for question in questions:
        answer = pipeline.stream(question.question, question.history).answer
        if answer.timings.first_token_s is not None:
            timings.append((answer.timings.first_token_s, answer.timings.total_s))
        else:  # abstained before generating: no first token to compare
            timings.append((float("nan"), answer.timings.total_s))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    questions = [q for q in load_questions(DEV) if q.answerable and not q.history][: args.questions]
    base = Settings.load(overrides={"generation.backend": "local"})
    settings = {"similarity": base.with_overrides(SIMILARITY), "meaning": base}
    runs: dict[str, list[list[tuple[float, float]]]] = {"similarity": [], "meaning": []}
    for _ in range(args.rounds):
        for name in ("similarity", "meaning", "meaning", "similarity"):
            runs[name].append(one_pass(settings[name], questions))
    result: dict[str, object] = {"questions": len(questions), "rounds": args.rounds}
    for name, passes in runs.items():
        first = [f for p in passes for f, _ in p if f == f]
        total = [t for p in passes for _, t in p]
        result[name] = {
            "first_token_p50_s": round(statistics.median(first), 3),
            "total_p50_s": round(statistics.median(total), 3),
        }
    ratios_first, ratios_total = [], []
    for a, b in zip(runs["meaning"], runs["similarity"], strict=True):
        for (fa, ta), (fb, tb) in zip(a, b, strict=True):
            if fa == fa and fb == fb:
                ratios_first.append(fa / fb)
            ratios_total.append(ta / tb)
    result["first_token_ratio_median"] = round(statistics.median(ratios_first), 3) if ratios_first else None
    result["total_ratio_median"] = round(statistics.median(ratios_total), 3)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
