"""Calibrate the abstention gates of `rag.answerability` on the tuning split of question sets.

    python -m evals.calibrate_abstention [QUESTIONS.jsonl ...] [--split tune|test|all] [--index-dir DIR]
                                         [--judge] [--write]

Without `--judge`: the similarity gate's threshold on the best evidence-sentence score (the one the
`extractive` backend uses). With `--judge`: the two gates of an LLM backend together, the similarity
threshold (at most the similarity-only one) and the threshold on P("yes, the sources state the answer"),
asked of the configured LLM backend (default `local`) for every question it would ask about. Either
picks, among the midpoints between consecutive observed scores, the threshold(s) with the lowest
false-abstention + missed-unanswerable rate (ties: the widest gap), refusing any whose false-abstention
rate exceeds 5%. Default questions: the dev, near-miss and terse sets, tuning split (`split` field, else
a fixed hash of the qid). `--write` stores the result in rag/calibration.json (the judge's under
`llm_judge`, with the model, prompt hash and settings hash it was tuned for).
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


def joint_scores(questions: list[Question], settings: Settings) -> list[tuple[bool, float, float | None]]:
    """(answerable, best evidence score, P(yes) or None) per question, judged by the LLM backend exactly
    as the pipeline judges them (a follow-up as the backend's own condensed question). P is None where
    the pipeline does not ask the LLM gate (how/why intents) or the model said neither yes nor no: there
    the similarity gate alone decides."""
    pipeline = Pipeline(settings)
    scored = []
    for q in questions:
        query = pipeline.standalone_question(q.question, q.history)
        evidence = pipeline.gather_evidence(q.question, query)
        probability = None
        if pipeline.asks_llm_gate(query) and evidence.sources:
            probability = pipeline.llm_answerability(q.question, query, q.history, evidence)
        scored.append((q.answerable, best_evidence_score(evidence.sources), probability))
    return scored


def choose_joint_thresholds(scored: list[tuple[bool, float, float | None]], ceiling: float) -> dict[str, float]:
    """The similarity threshold (at most `ceiling`, the similarity-only one) and the LLM gate's threshold
    chosen together: a question is abstained on when its similarity is below the first or its P(yes) below
    the second. Lowest false-abstention + missed-unanswerable rate with false abstention <= 5%; ties go to
    the widest gaps, as in `choose_threshold`."""
    answerable = [(s, p) for ok, s, p in scored if ok]
    unanswerable = [(s, p) for ok, s, p in scored if not ok]

    def abstains(s: float, p: float | None, t_sim: float, t_llm: float) -> bool:
        return s < t_sim or (p is not None and p < t_llm)

    def rates(t_sim: float, t_llm: float) -> tuple[float, float]:
        false_abstention = sum(abstains(s, p, t_sim, t_llm) for s, p in answerable) / max(len(answerable), 1)
        missed = sum(not abstains(s, p, t_sim, t_llm) for s, p in unanswerable) / max(len(unanswerable), 1)
        return false_abstention, missed

    sim_candidates = [(t, gap) for t, gap in _midpoints([s for _, s, _ in scored]) if t < ceiling] + [(ceiling, 0.0)]
    llm_candidates = _midpoints([p for _, _, p in scored if p is not None]) or [(0.0, 0.0)]
    best: tuple[tuple[float, float, float], float, float] | None = None
    for t_sim, sim_gap in sim_candidates:
        for t_llm, llm_gap in llm_candidates:
            false_abstention, missed = rates(t_sim, t_llm)
            if false_abstention > MAX_FALSE_ABSTENTION:
                continue
            key = (false_abstention + missed, -sim_gap, -llm_gap)
            if best is None or key < best[0]:
                best = (key, t_sim, t_llm)
    _, t_sim, t_llm = best or ((0.0, 0.0, 0.0), 0.0, 0.0)
    t_sim, t_llm = round(t_sim, 4), round(t_llm, 4)
    false_abstention, missed = rates(t_sim, t_llm)
    return {
        "similarity_below": t_sim,
        "answerable_below": t_llm,
        "answerable_false_abstention": round(false_abstention, 4),
        "unanswerable_abstained": round(1 - missed, 4),
        "questions": len(scored),
    }


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
    parser.add_argument("--write", action="store_true", help="store the threshold in rag/calibration.json")
    args = parser.parse_args()
    overrides = {"index.dir": args.index_dir}
    if args.judge:
        overrides["generation.backend"] = Settings.load().generation.backend or "local"
    settings = Settings.load(overrides=overrides)
    questions = [q for path in args.questions for q in in_split(load_questions(path), args.split)]
    stored = dict(calibration())
    if args.judge:
        result = choose_joint_thresholds(joint_scores(questions, settings), ceiling=float(stored["abstain_below"]))
        generator = Pipeline(settings).generator
        result |= {
            "backend": generator.name,
            "model": generator.model,
            "prompt_hash": judge_prompt_hash(),
            "settings_hash": settings.fingerprint(),
            "split": args.split,
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
