"""Metric definitions: per-question scores and their aggregation. The report quotes these docstrings."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable
from typing import Any

from evals.judge import Judge
from evals.questions import Question
from rag.answer_types import Answer
from rag.paper import normalize_title
from rag.verification import parse_cited_sentences

METRIC_DEFINITIONS = {
    "recall@5": "share of gold papers among the first 5 retrieved papers (answerable questions)",
    "recall@10": "share of gold papers among the first 10 retrieved papers (answerable questions)",
    "mrr": "1 / rank of the first gold paper among retrieved papers, 0 if absent (answerable questions)",
    "ndcg@10": "nDCG of the first 10 retrieved papers with binary relevance (answerable questions)",
    "correctness": "share of answers containing, for every answer_any group, at least one alternative "
    "(case-insensitive; `\\%`/`%` and spaces in numbers ignored); abstaining counts as wrong",
    "gold_citation_share": "single-paper questions: of the citations shown, the share pointing at the gold paper",
    "unsupported_sentence_share": "of the sentences shown in answers, the share without a supported citation "
    "(by the pipeline's own verifier)",
    "answered": "of the answerable questions answered, the share whose answer the judge says gives what was asked "
    "(the method for how, the reason for why), not only the topic (entailment judge only)",
    "abstention_precision": "of the questions the system abstained on, the share that were unanswerable",
    "abstention_recall": "of the unanswerable questions, the share the system abstained on",
    "false_abstention_rate": "of the answerable questions, the share the system abstained on",
    "citation_recall": "ALCE: share of answer sentences whose citations (jointly) support them, by the judge",
    "citation_precision": "ALCE: share of citations that support their sentence alone, or are needed for a "
    "joint support that the sentence's other citations do not give",
    "invalid_citation_rate": "share of the generator's raw citations that point outside the sources "
    "(before verification; after verification it is 0 by construction)",
    "faithfulness": "RAGAS-style: share of answer claims supported by the abstracts the claim's sentence cites",
    "raw_citation_precision": "citation precision of the generator's raw draft, before verification and repair",
    "first_token_s": "seconds until the first answer token (p50 / p95)",
    "total_s": "seconds for the whole answer (p50 / p95)",
    "prompt_tokens": "prompt tokens sent to the LLM (mean)",
    "completion_tokens": "completion tokens generated (mean)",
    "prefill_saving": "tokens of the sources as whole abstracts / as selected evidence, for the same sources "
    "(mean; the per-question part of the prompt)",
    "prompt_saving": "the same ratio for the whole prompt, counting the fixed instructions and worked example "
    "(which llama.cpp and most servers cache across questions)",
}


def _norm_answer(text: str) -> str:
    text = text.lower().replace("\\%", "%")
    return re.sub(r"(?<=\d)\s+(?=[\d%x×.])|(?<=[\d.])\s+(?=\d)", "", text)


def is_correct(answer_text: str, answer_any: list[list[str]]) -> bool:
    normalised = _norm_answer(answer_text)
    return all(any(_norm_answer(alt) in normalised for alt in group) for group in answer_any)


def retrieval_scores(ranked_titles: list[str], gold_titles: list[str]) -> dict[str, float]:
    gold = {normalize_title(t) for t in gold_titles}
    ranked = [normalize_title(t) for t in ranked_titles]
    first = next((i for i, t in enumerate(ranked, start=1) if t in gold), None)
    dcg = sum(1 / math.log2(i + 1) for i, t in enumerate(ranked[:10], start=1) if t in gold)
    idcg = sum(1 / math.log2(i + 1) for i in range(1, min(len(gold), 10) + 1))
    return {
        "recall@5": len(gold & set(ranked[:5])) / len(gold),
        "recall@10": len(gold & set(ranked[:10])) / len(gold),
        "mrr": 1 / first if first else 0.0,
        "ndcg@10": dcg / idcg if idcg else 0.0,
    }


def citation_scores(sentences: list[tuple[str, list[int]]], passages: dict[int, str], judge: Judge) -> dict:
    """ALCE citation recall/precision, invalid-citation rate and claim faithfulness of cited sentences."""
    supported_sentences = good = total = invalid = claims_total = claims_ok = 0
    for text, cited in sentences:
        valid = [n for n in cited if n in passages]
        invalid += len(cited) - len(valid)
        total += len(cited)
        joint = judge.supports(text, [passages[n] for n in valid])
        supported_sentences += joint
        for n in valid:
            alone = judge.supports(text, [passages[n]])
            others = [passages[m] for m in valid if m != n]
            needed = joint and not judge.supports(text, others) if others else joint
            good += alone or needed
        for claim in judge.claims(text):
            claims_total += 1
            claims_ok += judge.supports(claim, [passages[n] for n in valid])
    count = len(sentences)
    return {
        "citation_recall": supported_sentences / count if count else None,
        "citation_precision": good / total if total else None,
        "invalid_citation_rate": invalid / total if total else None,
        "faithfulness": claims_ok / claims_total if claims_total else None,
    }


def score_question(
    question: Question,
    answer: Answer,
    retrieved: list[str],
    judge: Judge,
    evidence_tokens: int,
    whole_tokens: int,
    fixed_tokens: int = 0,
) -> dict[str, Any]:
    scores: dict[str, Any] = {"abstained": answer.abstained, "answerable": question.answerable}
    if question.answerable:
        scores.update(retrieval_scores(retrieved, question.gold_titles))
        scores["correctness"] = float(not answer.abstained and is_correct(answer.answer, question.answer_any))
    if not answer.abstained:
        passages = {s.n: f"{s.title}. {s.abstract}" for s in answer.sources}
        final = [(s.text, s.citations) for s in answer.sentences]
        scores.update(citation_scores(final, passages, judge))
        raw = citation_scores(parse_cited_sentences(answer.draft), passages, judge) if answer.draft else {}
        scores["invalid_citation_rate"] = raw.get("invalid_citation_rate")
        scores["raw_citation_precision"] = raw.get("citation_precision")
        if evidence_tokens:
            scores["prefill_saving"] = whole_tokens / evidence_tokens
            scores["prompt_saving"] = (whole_tokens + fixed_tokens) / (evidence_tokens + fixed_tokens)
        shown = answer.sentences
        scores["unsupported_sentence_share"] = sum(not s.supported for s in shown) / len(shown) if shown else None
        if len(question.gold_titles) == 1 and question.type != "multi":
            gold = normalize_title(question.gold_titles[0])
            titles = {s.n: normalize_title(s.title) for s in answer.sources}
            cited = [n for s in shown for n in s.citations]
            scores["gold_citation_share"] = sum(titles.get(n) == gold for n in cited) / len(cited) if cited else None
        answers = getattr(judge, "answers", None)
        if answers is not None and question.answerable:
            scores["answered"] = float(answers(question.question, answer.answer))
    scores["first_token_s"] = answer.timings.first_token_s
    scores["total_s"] = answer.timings.total_s
    scores["prompt_tokens"] = answer.prompt_tokens
    scores["completion_tokens"] = answer.completion_tokens
    scores["evidence_prompt_tokens"] = evidence_tokens
    scores["whole_abstract_prompt_tokens"] = whole_tokens
    return scores


def _mean(values: Iterable[Any]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return round(statistics.fmean(present), 4) if present else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 4)


MEAN_METRICS = (
    "recall@5",
    "recall@10",
    "mrr",
    "ndcg@10",
    "correctness",
    "answered",
    "gold_citation_share",
    "unsupported_sentence_share",
    "citation_recall",
    "citation_precision",
    "invalid_citation_rate",
    "faithfulness",
    "raw_citation_precision",
    "prompt_tokens",
    "completion_tokens",
    "prefill_saving",
    "prompt_saving",
)


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Metrics over scored records (errors excluded and counted)."""
    scored = [r["scores"] for r in records if r.get("scores")]
    result: dict[str, Any] = {"questions": len(records), "errors": sum(1 for r in records if r.get("error"))}
    for metric in MEAN_METRICS:
        result[metric] = _mean(s.get(metric) for s in scored)
    unanswerable = [s for s in scored if not s["answerable"]]
    answerable = [s for s in scored if s["answerable"]]
    abstained = [s for s in scored if s["abstained"]]
    result["abstention_precision"] = (
        round(sum(not s["answerable"] for s in abstained) / len(abstained), 4) if abstained else None
    )
    result["abstention_recall"] = (
        round(sum(s["abstained"] for s in unanswerable) / len(unanswerable), 4) if unanswerable else None
    )
    result["false_abstention_rate"] = (
        round(sum(s["abstained"] for s in answerable) / len(answerable), 4) if answerable else None
    )
    for timing in ("first_token_s", "total_s"):
        values = [s[timing] for s in scored if s.get(timing) is not None]
        result[f"{timing}_p50"] = _percentile(values, 0.5)
        result[f"{timing}_p95"] = _percentile(values, 0.95)
    return result


def aggregate_by_type(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    types = sorted({r["type"] for r in records})
    return {t: aggregate([r for r in records if r["type"] == t]) for t in types}
