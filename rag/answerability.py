"""Whether the selected evidence can answer the question, decided before anything is generated.

Two gates, in order:
1. Similarity (every backend): the best evidence sentence's similarity to the question must reach
   `verification.abstain_below` (default: `abstain_below` in `rag/calibration.json`; for the model the
   LLM gate was calibrated for, the lower `llm_judge.similarity_below`, calibrated jointly with the LLM
   gate). It catches questions about topics the collection does not cover, and nothing else: it cannot
   tell a paper *about* the Transformer from one that states the Transformer's dropout rate.
2. Meaning (LLM backends): the answering model is asked whether the numbered sources state the answer,
   and the probability of "yes" in its first reply token must reach `verification.answerable_below`
   (default: `llm_judge.answerable_below` in `rag/calibration.json`, tuned on the tuning split for the
   model and prompt recorded there by `python -m evals.calibrate_abstention --judge --outcomes --write`,
   which charges the gate only for unanswerable questions the rest of the pipeline would answer; 0.5 for
   any other model; a reply that is neither yes nor no leaves the decision to the first gate). The
   question is asked with the answer prompt's own prefix (system prompt, worked example, sources,
   question), so llama.cpp's prompt cache serves the answer's prefill right after: the gate costs the
   time to first token little more than one token.
The `extractive` backend has only the first gate, at the similarity-only threshold. Between the two, the
pipeline (every backend) abstains on a question naming something no retrieved paper spells or shortens
(`rag.names.unspelled_question_names`, `verification.require_known_question_names`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from rag.answer_types import Source
from rag.llm.client import LLMClient
from rag.prompts import load_prompt
from rag.settings import VerificationSettings

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


@functools.cache
def calibration() -> dict[str, Any]:
    return json.loads(CALIBRATION_FILE.read_text())


def calibrated_threshold() -> float:
    return float(calibration()["abstain_below"])


def abstain_threshold(settings: VerificationSettings) -> float:
    return settings.abstain_below if settings.abstain_below is not None else calibrated_threshold()


UNCALIBRATED_ANSWERABLE_BELOW = 0.5


def answerable_threshold(settings: VerificationSettings, model: str) -> float:
    """Probability of "yes" below which the LLM gate abstains: `verification.answerable_below` if set, the
    calibrated value if it was calibrated for `model`, else 0.5 (the model thinks "no" likelier than "yes")."""
    if settings.answerable_below is not None:
        return settings.answerable_below
    calibrated = calibration().get("llm_judge", {})
    if calibrated.get("model") == model:
        return float(calibrated["answerable_below"])
    return UNCALIBRATED_ANSWERABLE_BELOW


def similarity_threshold(settings: VerificationSettings, model: str | None = None) -> float:
    """The similarity gate's threshold for a backend answering with `model`.

    `verification.abstain_below` if set. Otherwise, for the model the LLM gate was calibrated for, the
    `similarity_below` calibrated jointly with it: with a gate of meaning behind it, the similarity gate
    only has to stop what is plainly off the collection, and a false abstention there is final while a
    question it lets through still meets the LLM gate and the verifier. Any other backend gets the
    similarity-only `abstain_below`."""
    calibrated = calibration().get("llm_judge", {})
    joint = settings.abstain_below is None and model is not None and calibrated.get("model") == model
    if joint and "similarity_below" in calibrated:
        return float(calibrated["similarity_below"])
    return abstain_threshold(settings)


def best_evidence_score(sources: list[Source]) -> float:
    return max((s.evidence_score for s in sources), default=0.0)


def should_abstain(sources: list[Source], settings: VerificationSettings, model: str | None = None) -> bool:
    """The similarity gate for a backend answering with `model` (see `similarity_threshold`)."""
    return best_evidence_score(sources) < similarity_threshold(settings, model)


def judge_messages(answer_messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """The answer prompt with its closing line replaced by the answerability question (same prefix)."""
    *earlier, last = answer_messages
    head, _, _ = last["content"].rpartition("\n")
    return [*earlier, {"role": "user", "content": f"{head}\n{load_prompt('answerable')}"}]


def probability_answerable(client: LLMClient, answer_messages: list[dict[str, str]]) -> float | None:
    """P("yes") / (P("yes") + P("no")) for the first token of the judge's reply (None if it said neither)."""
    choices = client.first_token_choices(judge_messages(answer_messages))
    yes = sum(p for token, p in choices.items() if token.startswith("yes"))
    no = sum(p for token, p in choices.items() if token.startswith("no"))
    return yes / (yes + no) if yes + no > 0 else None


__all__ = [
    "CALIBRATION_FILE",
    "abstain_threshold",
    "answerable_threshold",
    "best_evidence_score",
    "judge_messages",
    "probability_answerable",
    "should_abstain",
    "similarity_threshold",
]
