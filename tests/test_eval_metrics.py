"""Each eval metric on hand-made answers whose right value is known."""

from __future__ import annotations

import json
import math

import pytest

from evals.judge import OfflineJudge
from evals.metrics import aggregate, citation_scores, is_correct, retrieval_scores, score_question
from evals.questions import Question, QuestionFileError, load_questions
from rag.answer_types import Answer, AnswerSentence, Source, Timings

HARMONY = (
    "Harmony reduces swap load by up to two orders of magnitude and obtains a training throughput "
    "speedup of up to 7.6x over highly optimized baselines with virtualized memory."
)
EFFNET = "EfficientNet-B7 achieves state-of-the-art 84.3% top-1 accuracy on ImageNet while being 8.4x smaller."
PASSAGES = {1: HARMONY, 2: EFFNET}
judge = OfflineJudge()


def test_retrieval_metrics():
    ranked = ["A", "X", "B", "Y", "Z", "W", "V", "U", "T", "C"]
    scores = retrieval_scores(ranked, ["B", "C", "Q"])
    assert scores["recall@5"] == pytest.approx(1 / 3)
    assert scores["recall@10"] == pytest.approx(2 / 3)
    assert scores["mrr"] == pytest.approx(1 / 3)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert scores["ndcg@10"] == pytest.approx((1 / math.log2(4) + 1 / math.log2(11)) / idcg)


@pytest.mark.parametrize(
    ("text", "groups", "expected"),
    [
        ("It reaches 84.3 % top-1 [1].", [["84.3%"]], True),
        ("It reaches 84.3\\% top-1.", [["84.3%"]], True),
        ("Speedup of 7.6 x.", [["7.6x"]], True),
        ("Harmony swaps less.", [["swap"], ["7.6"]], False),
        ("HARMONY SWAPS LESS, 7.6x.", [["swap"], ["7.6", "seven"]], True),
    ],
)
def test_correctness(text, groups, expected):
    assert is_correct(text, groups) is expected


def test_citation_recall_precision_and_invalid_rate():
    sentences = [
        ("Harmony obtains a training throughput speedup of up to 7.6x over baselines.", [1, 2]),  # 2 not needed
        ("EfficientNet-B7 achieves 84.3% top-1 accuracy on ImageNet.", [2]),  # good
        ("EfficientNet-B7 achieves 84.3% top-1 accuracy on ImageNet.", [1]),  # wrong source
        ("Harmony reduces swap load by two orders of magnitude.", [9]),  # invalid
    ]
    scores = citation_scores(sentences, PASSAGES, judge)
    assert scores["citation_recall"] == pytest.approx(2 / 4)
    assert scores["citation_precision"] == pytest.approx(2 / 5)
    assert scores["invalid_citation_rate"] == pytest.approx(1 / 5)
    assert scores["faithfulness"] == pytest.approx(2 / 4)


def test_faithfulness_counts_clauses():
    sentences = [("Harmony reduces swap load; it also cures cancer in mice.", [1])]
    assert citation_scores(sentences, PASSAGES, judge)["faithfulness"] == pytest.approx(1 / 2)


def test_judge_requires_numbers():
    assert judge.supports("Harmony speeds up training by 7.6x over baselines.", [HARMONY])
    assert not judge.supports("Harmony speeds up training by 9.1x over baselines.", [HARMONY])


def _answer(abstained: bool, text: str = "x") -> Answer:
    sources = [
        Source(
            n=1,
            paper_id="p",
            title="Harmony",
            date=None,
            authors=None,
            upvotes=None,
            url="u",
            evidence=[HARMONY],
            abstract=HARMONY,
        )
    ]
    sentences = [] if abstained else [AnswerSentence(text=text, citations=[1], supported=True, support=1.0)]
    return Answer(
        question="q",
        answer=text,
        abstained=abstained,
        sentences=sentences,
        sources=sources,
        backend="extractive",
        model="extractive",
        timings=Timings(total_s=1.0, first_token_s=0.5),
        draft=f"{text} [1] [4]",
    )


def _record(qtype: str, answer: Answer, answer_any=None) -> dict:
    q = Question(
        qid=qtype + str(id(answer)),
        type=qtype,
        question="q",
        gold_titles=[] if qtype == "unanswerable" else ["Harmony"],
        answer_any=answer_any or [],
    )
    return {
        "qid": q.qid,
        "type": qtype,
        "scores": score_question(
            q, answer, ["Harmony"], judge, evidence_tokens=100, whole_tokens=300, fixed_tokens=100
        ),
    }


def test_abstention_and_aggregation():
    records = [
        _record("unanswerable", _answer(True)),  # right abstention
        _record("unanswerable", _answer(False, "Harmony reduces swap load.")),  # missed abstention
        _record("lookup", _answer(True)),  # false abstention
        _record("lookup", _answer(False, "Harmony reduces swap load."), [["swap"]]),  # correct
        {"qid": "err", "type": "lookup", "scores": None, "error": "boom"},
    ]
    metrics = aggregate(records)
    assert metrics["errors"] == 1 and metrics["questions"] == 5
    assert metrics["abstention_precision"] == pytest.approx(1 / 2)
    assert metrics["abstention_recall"] == pytest.approx(1 / 2)
    assert metrics["false_abstention_rate"] == pytest.approx(1 / 2)
    assert metrics["correctness"] == pytest.approx(1 / 2)
    assert metrics["invalid_citation_rate"] == pytest.approx(1 / 2)  # the drafts cite [1] and a missing [4]
    assert metrics["prefill_saving"] == pytest.approx(3.0)
    assert metrics["prompt_saving"] == pytest.approx(2.0)  # (300 + 100) / (100 + 100)
    assert metrics["total_s_p50"] == pytest.approx(1.0)


def test_question_file_validation_reports_every_bad_line(tmp_path):
    path = tmp_path / "q.jsonl"
    good = {"qid": "a", "type": "lookup", "question": "q?", "gold_titles": ["T"], "answer_any": [["x"]]}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "qid": "b", "type": "trivia"}),
        json.dumps({**good, "qid": "c", "gold_titles": []}),
        json.dumps(good),
    ]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(QuestionFileError) as caught:
        load_questions(path)
    message = str(caught.value)
    for line_no in (2, 3, 4, 5):
        assert f"q.jsonl:{line_no}:" in message
    assert "duplicate qid 'a'" in message
