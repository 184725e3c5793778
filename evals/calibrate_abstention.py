"""Calibrate the abstention gates of `rag.answerability` on the tuning split of question sets.

    python -m evals.calibrate_abstention [QUESTIONS.jsonl ...] [--split tune|test|all] [--index-dir DIR]
                                         [--judge [--outcomes]] [--save SCORES.json] [--write]

Without `--judge`: the similarity gate's threshold on the best evidence-sentence score (the one the
`extractive` backend uses). With `--judge`: the two gates of an LLM backend together, the similarity
threshold (at most the similarity-only one) and the threshold on P("yes, the sources state the answer"),
asked of the configured LLM backend (default `local`) for every question it would ask about; with
`--outcomes`, every question also goes through the whole pipeline with both gates open, so a gate is
only charged for an unanswerable question the verifier would then let through. Either
picks, among the midpoints between consecutive observed scores, the threshold(s) with the lowest
false-abstention + missed-unanswerable rate (ties: the widest gap), refusing any whose false-abstention
rate exceeds 5%. Default questions: the dev, near-miss and terse sets, tuning split (`split` field, else
a fixed hash of the qid). `--write` stores the result in rag/calibration.json (the judge's under
`llm_judge`, with the model, prompt hash and settings hash it was tuned for); `--save` writes every
question's scores, so a choice can be re-examined without asking the model again.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
from pathlib import Path

from evals.questions import Question, in_split, load_questions
from evals.retrieval_eval import DEFAULT_QUESTIONS
from rag.answerability import CALIBRATION_FILE, best_evidence_score, calibration
from rag.generate import ExtractiveGenerator, llm_messages
from rag.pipeline import Pipeline
from rag.prompts import load_prompt
from rag.settings import Settings

MAX_FALSE_ABSTENTION = 0.05
NEAR_MISS = Path(__file__).parent / "questions" / "near_miss.jsonl"
TERSE = Path(__file__).parent / "questions" / "terse.jsonl"


# What happens to one question: (answerable, best evidence similarity, P(yes) or None, and optionally
# whether the pipeline abstains anyway with both gates open, i.e. the verifier rejects every sentence).
Scored = tuple[bool, float, float | None] | tuple[bool, float, float | None, bool]

OPEN_GATE = 1e-6  # an LLM-gate threshold that still asks the model (so P is recorded) but never abstains


def best_evidence_scores(questions: list[Question], settings: Settings) -> list[tuple[bool, float]]:
    # The gate runs before generation, so any backend gives the same scores; extractive loads no LLM.
    pipeline = Pipeline(settings.with_overrides({"generation.backend": ExtractiveGenerator.name}))
    scored = []
    for q in questions:
        sources = pipeline.gather_evidence(q.question, pipeline.standalone_question(q.question, q.history)).sources
        scored.append((q.answerable, best_evidence_score(sources)))
    return scored


def _midpoints(values: list[float]) -> list[tuple[float, float]]:
    """(midpoint, gap) between each pair of consecutive distinct values: the candidate thresholds."""
    points = sorted(set(values))
    return [((a + b) / 2, b - a) for a, b in itertools.pairwise(points)]


def joint_scores(questions: list[Question], settings: Settings) -> list[Scored]:
    """(answerable, best evidence score, P(yes) or None) per question, judged by the LLM backend exactly
    as the pipeline judges them (a follow-up as the backend's own condensed question). P is None where
    the pipeline does not ask the LLM gate (how/why intents) or the model said neither yes nor no: there
    the similarity gate alone decides."""
    pipeline = Pipeline(settings)
    scored: list[Scored] = []
    for q in questions:
        query = pipeline.standalone_question(q.question, q.history)
        evidence = pipeline.gather_evidence(q.question, query)
        probability = None
        if pipeline.asks_llm_gate(query) and evidence.sources:
            probability = pipeline.llm_answerability(q.question, query, q.history, evidence)
        scored.append((q.answerable, best_evidence_score(evidence.sources), probability))
    return scored


def outcome_scores(questions: list[Question], settings: Settings) -> list[Scored]:
    """`joint_scores` plus each question's outcome past the gates: the whole pipeline is run with both
    gates open, so what is left to abstain is generation and verification. A gate then only has to stop
    what the verifier would let through; without outcomes every question a gate passes counts as answered."""
    open_gates = settings.with_overrides(
        {"verification.abstain_below": 0.0, "verification.answerable_below": OPEN_GATE}
    )
    pipeline = Pipeline(open_gates)
    scored: list[Scored] = []
    for q in questions:
        answer = pipeline.stream(q.question, q.history).answer
        # The similarity the gate saw, for the standalone question this answer used (no second rewrite).
        query = answer.standalone_question or q.question
        score = best_evidence_score(pipeline.gather_evidence(q.question, query).sources)
        scored.append((q.answerable, score, answer.answerability, answer.abstained))
    return scored


def choose_joint_thresholds(scored: list[Scored], ceiling: float) -> dict[str, float]:
    """The similarity threshold (at most `ceiling`, the similarity-only one) and the LLM gate's threshold
    chosen together: a question is abstained on when its similarity is below the first or its P(yes) below
    the second. Lowest false-abstention + missed-unanswerable rate, with the gates' own false abstention
    <= 5%; ties go to the widest gaps, as in `choose_threshold`. Where a question's outcome past the gates
    is known (`outcome_scores`), an unanswerable question the pipeline abstains on anyway is not missed,
    and an answerable one it abstains on anyway is a false abstention whatever the gates do."""

    def gated(s: float, p: float | None, t_sim: float, t_llm: float) -> bool:
        return s < t_sim or (p is not None and p < t_llm)

    def abstains_anyway(row: Scored) -> bool:
        return len(row) > 3 and bool(row[3])

    answerable = [row for row in scored if row[0]]
    unanswerable = [row for row in scored if not row[0]]

    def rates(t_sim: float, t_llm: float) -> tuple[float, float, float]:
        """(the gates' false abstention, the pipeline's false abstention, missed unanswerable)."""
        n_ans, n_un = max(len(answerable), 1), max(len(unanswerable), 1)
        by_gates = sum(gated(r[1], r[2], t_sim, t_llm) for r in answerable) / n_ans
        overall = sum(gated(r[1], r[2], t_sim, t_llm) or abstains_anyway(r) for r in answerable) / n_ans
        missed = sum(not gated(r[1], r[2], t_sim, t_llm) and not abstains_anyway(r) for r in unanswerable) / n_un
        return by_gates, overall, missed

    sim_candidates = [(t, gap) for t, gap in _midpoints([r[1] for r in scored]) if t < ceiling] + [(ceiling, 0.0)]
    llm_candidates = _midpoints([r[2] for r in scored if r[2] is not None]) or [(0.0, 0.0)]
    best: tuple[tuple[float, float, float], float, float] | None = None
    for t_sim, sim_gap in sim_candidates:
        for t_llm, llm_gap in llm_candidates:
            by_gates, overall, missed = rates(t_sim, t_llm)
            if by_gates > MAX_FALSE_ABSTENTION:
                continue
            key = (overall + missed, -sim_gap, -llm_gap)
            if best is None or key < best[0]:
                best = (key, t_sim, t_llm)
    _, t_sim, t_llm = best or ((0.0, 0.0, 0.0), 0.0, 0.0)
    t_sim, t_llm = round(t_sim, 4), round(t_llm, 4)
    by_gates, overall, missed = rates(t_sim, t_llm)
    result = {
        "similarity_below": t_sim,
        "answerable_below": t_llm,
        "answerable_false_abstention": round(by_gates, 4),
        "unanswerable_abstained": round(1 - missed, 4),
        "questions": len(scored),
    }
    if any(len(row) > 3 for row in scored):
        result["pipeline_false_abstention"] = round(overall, 4)
    return result


def choose_threshold(scored: list[tuple[bool, float]]) -> dict[str, float]:
    """The similarity-only threshold (`abstain_below`), chosen as the module docstring says."""
    answerable = sorted(score for ok, score in scored if ok)
    unanswerable = [score for ok, score in scored if not ok]

    def rates(t: float) -> tuple[float, float]:
        false_abstention = sum(s < t for s in answerable) / max(len(answerable), 1)
        missed = sum(s >= t for s in unanswerable) / max(len(unanswerable), 1)
        return false_abstention, missed

    candidates = _midpoints([s for _, s in scored])
    allowed = [(t, gap) for t, gap in candidates if rates(t)[0] <= MAX_FALSE_ABSTENTION] or [(0.0, 0.0)]
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


def judge_prompt_hash() -> str:
    """Changes when any prompt the LLM gate sees changes (its answer to the calibration then may too)."""
    text = json.dumps(llm_messages("{question}", [])) + load_prompt("answerable")
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="*", default=[str(DEFAULT_QUESTIONS), str(NEAR_MISS), str(TERSE)])
    parser.add_argument("--split", choices=("tune", "test", "all"), default="tune")
    parser.add_argument("--index-dir")
    parser.add_argument("--judge", action="store_true", help="calibrate the LLM gate instead of the similarity gate")
    parser.add_argument(
        "--outcomes",
        action="store_true",
        help="with --judge: also run each question through the whole pipeline with the gates open, and count "
        "an unanswerable question as missed only if the pipeline would answer it",
    )
    parser.add_argument("--save", help="write each question's scores (qid, answerable, similarity, P, outcome) here")
    parser.add_argument("--write", action="store_true", help="store the threshold in rag/calibration.json")
    args = parser.parse_args()
    overrides = {"index.dir": args.index_dir}
    if args.judge:
        overrides["generation.backend"] = Settings.load().generation.backend or "local"
    settings = Settings.load(overrides=overrides)
    questions = [q for path in args.questions for q in in_split(load_questions(path), args.split)]
    stored = dict(calibration())
    if args.judge:
        scored = (outcome_scores if args.outcomes else joint_scores)(questions, settings)
        if args.save:
            rows = [[q.qid, *row] for q, row in zip(questions, scored, strict=True)]
            Path(args.save).write_text(json.dumps(rows, indent=0) + "\n")
        result = choose_joint_thresholds(scored, ceiling=float(stored["abstain_below"]))
        generator = Pipeline(settings).generator
        result |= {
            "backend": generator.name,
            "model": generator.model,
            "prompt_hash": judge_prompt_hash(),
            "settings_hash": settings.fingerprint(),
            "split": args.split,
            "outcomes": args.outcomes,
            "question_files": [Path(p).name for p in args.questions],
        }
        stored["llm_judge"] = result
    else:
        result = choose_threshold(best_evidence_scores(questions, settings))
        result |= {"split": args.split, "question_files": [Path(p).name for p in args.questions]}
        stored = {**result, **({"llm_judge": stored["llm_judge"]} if "llm_judge" in stored else {})}
    print(json.dumps(result, indent=2))
    if args.write:
        CALIBRATION_FILE.write_text(json.dumps(stored, indent=2) + "\n")


if __name__ == "__main__":
    main()
