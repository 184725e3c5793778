"""Score the answers of an earlier eval run again, with another judge, without generating them again.

    python -m evals.rescore RUN_DIR --out NEW_DIR [--judge entailment|lexical] [--questions FILE]

Reads `RUN_DIR/answers.jsonl` (abstracts are not stored there: they are looked up by paper id in the
bundled corpus, so this works for runs over the bundled index), scores every answer with the chosen
judge and writes answers.jsonl, metrics.json and the reports to NEW_DIR. Used to put a committed
baseline and a new run under the same judge. Prompt-size figures are not recomputed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from evals.harness import load_records
from evals.judge import Judge
from evals.judge_agreement import cached_agreement
from evals.metrics import METRIC_DEFINITIONS, aggregate, aggregate_by_type, score_question
from evals.questions import load_questions
from evals.report import write_reports
from evals.verifier_eval import bundled_papers
from rag.answer_types import Answer


def rebuild_answer(stored: dict[str, Any], abstracts: dict[str, str]) -> Answer:
    """The `Answer` of a stored record, with each source's abstract restored from the corpus."""
    sources = [{**s, "abstract": abstracts.get(s["paper_id"], "")} for s in stored["sources"]]
    return Answer.model_validate({**stored, "sources": sources})


def rescore(run_dir: Path, out_dir: Path, judge: Judge, questions_file: str | None = None) -> dict[str, Any]:
    metrics_in = json.loads((run_dir / "metrics.json").read_text())
    questions = {q.qid: q for q in load_questions(questions_file or metrics_in["config"]["questions_file"])}
    abstracts = {p.paper_id: p.abstract for p in bundled_papers().values()}
    out_dir.mkdir(parents=True, exist_ok=True)
    records = []
    for qid, record in load_records(run_dir).items():
        if record.get("error") or qid not in questions:
            records.append(record)
            continue
        answer = rebuild_answer(record["answer"], abstracts)
        scores = score_question(questions[qid], answer, record["retrieved"], judge, 0, 0)
        records.append({**record, "scores": scores})
    with (out_dir / "answers.jsonl").open("w", encoding="utf-8") as sink:
        for record in records:
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    metrics = {
        **metrics_in,
        "config": {**metrics_in["config"], "judge": judge.name, "rescored_from": str(run_dir)},
        "judge_agreement": cached_agreement(judge),
        "overall": aggregate(records),
        "by_type": aggregate_by_type(records),
        "definitions": METRIC_DEFINITIONS,
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_reports(out_dir, metrics, records)
    return metrics


def main() -> None:
    from rag.cli import eval_judge
    from rag.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("--out", required=True)
    parser.add_argument("--judge", choices=("entailment", "lexical"), default="entailment")
    parser.add_argument("--questions", help="the run's question file (default: as recorded in its metrics.json)")
    args = parser.parse_args()
    judge = eval_judge(args.judge, None, None, Settings.load())
    metrics = rescore(Path(args.run_dir), Path(args.out), judge, args.questions)
    print(json.dumps(metrics["overall"], indent=2))


if __name__ == "__main__":
    main()
