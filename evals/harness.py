"""Batch evaluation: run every question through `ask()`, score it, write answers/metrics/reports.

Resumable: `answers.jsonl` is appended one question at a time, and a rerun into the same folder skips the
questions already answered without error. A question that fails is recorded with its error and counted.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from evals.judge import Judge, OfflineJudge
from evals.judge_agreement import cached_agreement
from evals.metrics import METRIC_DEFINITIONS, aggregate, aggregate_by_type, score_question
from evals.questions import Question, load_questions
from evals.report import write_reports
from rag.answer_types import Answer
from rag.errors import RagError
from rag.evidence import count_prompt_tokens, format_evidence, format_whole_abstracts
from rag.generate import llm_messages
from rag.pipeline import Pipeline
from rag.retrieve import get_searcher
from rag.settings import Settings

ANSWERS = "answers.jsonl"


def load_records(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Records by qid (the last line for a qid wins, so a rerun's success replaces an old error)."""
    path = out_dir / ANSWERS
    records: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                records[record["qid"]] = record
    return records


def _prompt_sizes(question: str, answer: Answer) -> tuple[int, int, int]:
    """Tokens of the sources block as sent (evidence) and as whole abstracts, and of the rest of the prompt."""
    if answer.abstained or not answer.sources:
        return 0, 0, 0
    fixed = count_prompt_tokens(json.dumps(llm_messages(question, [])))
    evidence = count_prompt_tokens(format_evidence(answer.sources))
    whole = count_prompt_tokens(format_whole_abstracts(answer.sources))
    return evidence, whole, fixed


def answer_one(question: Question, settings: Settings, judge: Judge) -> dict[str, Any]:
    record: dict[str, Any] = {"qid": question.qid, "type": question.type, "question": question.question}
    try:
        pipeline = Pipeline(settings)
        answer = pipeline.stream(question.question, question.history).answer
        query = answer.standalone_question or question.question
        hits = pipeline.searcher.search(query, k=10, retrieval=settings.retrieval)
        retrieved = [h.paper.title for h in hits]
        evidence_tokens, whole_tokens, fixed_tokens = _prompt_sizes(question.question, answer)
        record["answer"] = {
            **answer.model_dump(),
            "draft": answer.draft,
            "standalone_question": answer.standalone_question,
        }
        record["retrieved"] = retrieved
        record["scores"] = score_question(
            question, answer, retrieved, judge, evidence_tokens, whole_tokens, fixed_tokens
        )
        record["error"] = None
    except (RagError, OSError) as err:
        record["scores"] = None
        record["error"] = f"{type(err).__name__}: {err}"
    return record


def run_eval(
    questions_path: str | Path,
    out_dir: str | Path,
    *,
    settings: Settings | None = None,
    workers: int = 1,
    limit: int | None = None,
    judge: Judge | None = None,
    show_progress: bool = True,
    with_judge_agreement: bool = True,
) -> dict[str, Any]:
    """Answer and score every question of `questions_path` with `settings` (default: `Settings.load()`).

    The judge's agreement with the hand-labelled claims (`evals.judge_agreement`, cached per judge and
    prompt) goes into `metrics.json` and the reports, unless `with_judge_agreement` is False."""
    settings = settings or Settings.load()
    judge = judge or OfflineJudge()
    questions = load_questions(questions_path)[:limit] if limit else load_questions(questions_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = {qid for qid, r in load_records(out).items() if not r.get("error")}
    todo = [q for q in questions if q.qid not in done]
    get_searcher(settings)  # load the index and model once, before the threads start
    lock = threading.Lock()
    started = time.perf_counter()
    columns = (TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with (out / ANSWERS).open("a", encoding="utf-8") as sink, Progress(*columns, disable=not show_progress) as bar:
        task = bar.add_task("eval", total=len(questions), completed=len(questions) - len(todo))
        with ThreadPoolExecutor(max(1, workers)) as pool:
            futures = [pool.submit(answer_one, q, settings, judge) for q in todo]
            for future in as_completed(futures):
                record = future.result()
                with lock:
                    sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                    sink.flush()
                bar.advance(task)
    wanted = {q.qid for q in questions}
    records = [r for qid, r in load_records(out).items() if qid in wanted]
    metrics = {
        "config": {
            "questions_file": str(questions_path),
            "backend": settings.generation.backend or _backend_of(records),
            "k": settings.evidence.papers,
            "workers": workers,
            "limit": limit,
            "judge": judge.name,
            "model": _model_of(records),
            "settings_hash": settings.fingerprint(),
            "settings": settings.public_dict(),
        },
        "judge_agreement": cached_agreement(judge) if with_judge_agreement else None,
        "overall": aggregate(records),
        "by_type": aggregate_by_type(records),
        "definitions": METRIC_DEFINITIONS,
        "run_seconds": round(time.perf_counter() - started, 2),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_reports(out, metrics, records)
    return metrics


def _model_of(records: list[dict[str, Any]]) -> str | None:
    return next((r["answer"]["model"] for r in records if r.get("answer")), None)


def _backend_of(records: list[dict[str, Any]]) -> str | None:
    return next((r["answer"]["backend"] for r in records if r.get("answer")), None)
