"""`rag eval` end to end on the extractive backend: files, errors, resume, compare; the LLM judge."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from evals.harness import ANSWERS, run_eval
from evals.questions import load_questions
from evals.retrieval_eval import DEFAULT_QUESTIONS
from rag.settings import Settings


def _settings(index, k: int = 5) -> Settings:
    return Settings.load(overrides={"index.dir": index, "generation.backend": "extractive", "evidence.papers": k})


@pytest.fixture()
def question_file(tmp_path):
    questions = load_questions(DEFAULT_QUESTIONS)
    picked = [next(q for q in questions if q.type == t) for t in ("lookup", "numeric", "unanswerable", "followup")]
    lines = [q.model_dump_json() for q in picked]
    # A question the pipeline rejects (too long): must be recorded as an error, not stop the run.
    lines.append(
        json.dumps({"qid": "bad-1", "type": "lookup", "question": "why " * 400, "gold_titles": ["X"], "answer_any": []})
    )
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _lines(folder) -> list[dict]:
    return [json.loads(line) for line in (folder / ANSWERS).read_text().splitlines()]


def test_run_writes_every_file_and_counts_errors(bundled_index, question_file, tmp_path):
    out = tmp_path / "run"
    metrics = run_eval(question_file, out, settings=_settings(bundled_index), show_progress=False)
    for name in ("answers.jsonl", "metrics.json", "report.md", "report.html"):
        assert (out / name).stat().st_size > 0
    overall = metrics["overall"]
    assert overall["questions"] == 5 and overall["errors"] == 1
    for metric in (
        "recall@5",
        "recall@10",
        "mrr",
        "ndcg@10",
        "correctness",
        "citation_recall",
        "citation_precision",
        "faithfulness",
        "abstention_recall",
        "total_s_p50",
        "invalid_citation_rate",
        "raw_citation_precision",
        "prefill_saving",
    ):
        assert overall[metric] is not None, metric
    assert set(metrics["by_type"]) == {"lookup", "numeric", "unanswerable", "followup"}
    bad = next(r for r in _lines(out) if r["qid"] == "bad-1")
    assert "too long" in bad["error"]
    report = (out / "report.md").read_text()
    assert "Offline lexical judge" in report and "| citation_precision |" in report
    assert "<svg" in (out / "report.html").read_text()


def test_rerun_resumes_and_skips_finished_questions(bundled_index, question_file, tmp_path):
    out = tmp_path / "run"
    run_eval(question_file, out, settings=_settings(bundled_index), limit=2, show_progress=False)
    assert len(_lines(out)) == 2
    run_eval(question_file, out, settings=_settings(bundled_index), show_progress=False)
    assert len(_lines(out)) == 5  # only the 3 unfinished ones were answered
    run_eval(question_file, out, settings=_settings(bundled_index), show_progress=False)
    assert len(_lines(out)) == 6  # finished ones skipped; only the errored question is retried


def test_compare_two_runs(bundled_index, question_file, tmp_path):
    run_eval(question_file, tmp_path / "a", settings=_settings(bundled_index, k=5), show_progress=False)
    run_eval(question_file, tmp_path / "b", settings=_settings(bundled_index, k=1), show_progress=False)
    env = {**os.environ, "RAG_INDEX_DIR": str(bundled_index)}
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "eval", "--compare", str(tmp_path / "a"), str(tmp_path / "b")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "| correctness |" in result.stdout and "B − A" in result.stdout and "Flipped questions" in result.stdout
    assert "| evidence.papers | 5 | 1 |" in result.stdout  # the settings that differ are shown
    assert (tmp_path / "b" / "compare-vs-a.md").exists()


def test_cli_eval_with_limit(bundled_index, question_file, tmp_path):
    env = {**os.environ, "RAG_INDEX_DIR": str(bundled_index)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rag.cli",
            "eval",
            str(question_file),
            "--backend",
            "extractive",
            "--out",
            str(tmp_path / "cli"),
            "--limit",
            "2",
            "--judge",
            "lexical",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(result.stdout[: result.stdout.rindex("}") + 1])["questions"] == 2


def test_bad_question_file_is_reported(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"qid": "a", "type": "nope", "question": "q"}\n')
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "eval", str(path), "--backend", "extractive"], capture_output=True, text=True
    )
    assert result.returncode == 2 and "bad.jsonl:1" in result.stderr and "Traceback" not in result.stderr


def test_llm_judge_with_the_embedded_model(local_model_url):
    from evals.judge import LLMJudge
    from rag.llm.client import LLMClient
    from rag.llm.model_files import MODEL_NAME

    judge = LLMJudge(LLMClient(base_url=local_model_url + "/v1", model=MODEL_NAME))
    passage = ["EfficientNet-B7 achieves 84.3% top-1 accuracy on ImageNet."]
    assert judge.supports("EfficientNet-B7 reaches 84.3% top-1 accuracy on ImageNet.", passage)
    assert not judge.supports("The Eiffel Tower is located in Berlin.", passage)
    assert judge.claims("EfficientNet-B7 is accurate and it is small.")
