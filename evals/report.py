"""Markdown and HTML reports of an eval run (HTML with inline SVG plots: no plotting dependency)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

JUDGE_NOTE = {
    "offline-lexical": "Offline lexical judge (deterministic, independent of the pipeline's embedding verifier): "
    "a claim is supported when >= 60% of its content-word stems (stopwords removed, Snowball-stemmed; all of "
    "them when it has fewer than 3) occur in the cited abstracts and every number in it occurs there too. "
    "Claims are the clauses of an answer sentence split at ';'.",
}
HEADLINE = (
    "correctness",
    "answered",
    "gold_citation_share",
    "unsupported_sentence_share",
    "recall@5",
    "recall@10",
    "mrr",
    "ndcg@10",
    "citation_recall",
    "citation_precision",
    "raw_citation_precision",
    "invalid_citation_rate",
    "faithfulness",
    "abstention_precision",
    "abstention_recall",
    "false_abstention_rate",
    "first_token_s_p50",
    "first_token_s_p95",
    "total_s_p50",
    "total_s_p95",
    "prompt_tokens",
    "completion_tokens",
    "prefill_saving",
    "prompt_saving",
)
PER_TYPE = (
    "correctness",
    "recall@5",
    "mrr",
    "citation_recall",
    "citation_precision",
    "faithfulness",
    "abstention_recall",
    "false_abstention_rate",
    "total_s_p50",
)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _definition(metric: str, definitions: dict[str, str]) -> str:
    return definitions.get(metric.removesuffix("_p50").removesuffix("_p95"), "")


def _judge_text(name: str) -> str:
    if name.startswith("entailment:"):
        return (
            f"Entailment judge ({name.removeprefix('entailment:')}, independent of the pipeline's verifier: its "
            "own prompts, and it never sees the pipeline's verdicts): a sentence is supported when the LLM, "
            "shown the cited abstracts, replies that they fully support it (not contradicted, same numbers and "
            "names); `answered` asks it whether the answer gives what the question asks for."
        )
    return JUDGE_NOTE.get(
        name,
        f"LLM judge ({name}): RAGAS-style claim extraction, then a yes/no support "
        "verdict per claim against the cited abstracts.",
    )


def agreement_text(metrics: dict[str, Any]) -> str:
    """One sentence on how far the judge agrees with the hand-labelled claims (what its figures are worth)."""
    found = metrics.get("judge_agreement")
    if not found:
        return "Judge agreement with hand-labelled claims: not measured for this run."
    accepted = found["accepted"]

    def rate(label: str) -> str:
        entry = accepted.get(label)
        return f"{entry['rate']:.2f} ({entry['accepted']}/{entry['of']})" if entry else "–"

    return (
        f"Judge agreement with the {found['claims']} hand-labelled claims of evals/verification/claims.jsonl: "
        f"{found['agreement']:.3f}; it accepts supported {rate('supported')}, contradicted "
        f"{rate('contradicted')}, not-enough-info {rate('not_enough_info')}."
    )


def render_markdown(metrics: dict[str, Any], records: list[dict[str, Any]]) -> str:
    cfg, overall, definitions = metrics["config"], metrics["overall"], metrics["definitions"]
    lines = [
        f"# Eval report: {cfg['backend']} ({cfg.get('model') or '-'})",
        "",
        f"Questions: {overall['questions']} from `{cfg['questions_file']}`, k={cfg['k']}, errors: {overall['errors']}.",
        "",
        f"**Judge.** {_judge_text(cfg['judge'])}",
        "",
        f"**Judge agreement.** {agreement_text(metrics)}",
        "",
        "| metric | value | definition |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {m} | {_fmt(overall.get(m))} | {_definition(m, definitions)} |" for m in HEADLINE]
    types = metrics["by_type"]
    lines += [
        "",
        "## By question type",
        "",
        "| type | n | " + " | ".join(PER_TYPE) + " |",
        "| --- " * (len(PER_TYPE) + 2) + "|",
    ]
    for name, values in types.items():
        lines.append(f"| {name} | {values['questions']} | " + " | ".join(_fmt(values.get(m)) for m in PER_TYPE) + " |")
    wrong = [r for r in records if r.get("scores") and r["scores"].get("correctness") == 0.0]
    if wrong:
        lines += ["", "## Incorrect answers", ""]
        for r in sorted(wrong, key=lambda r: r["qid"]):
            text = r["answer"]["answer"].replace("\n", " ")
            lines.append(f"- **{r['qid']}** ({r['type']}) {r['question']} — _{text[:220]}_")
    errors = [r for r in records if r.get("error")]
    if errors:
        lines += ["", "## Errors", ""] + [f"- **{r['qid']}** {r['error']}" for r in errors]
    return "\n".join(lines) + "\n"


def _bar_chart(title: str, series: dict[str, float | None], width: int = 520) -> str:
    bar_h, gap, label_w = 18, 6, 130
    rows = [(k, v) for k, v in series.items()]
    height = 30 + len(rows) * (bar_h + gap)
    parts = [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="16" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 26 + i * (bar_h + gap)
        length = 0 if value is None else max(0.0, min(1.0, value)) * (width - label_w - 60)
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" fill="#4c78a8"/>')
        parts.append(f'<text x="{label_w + length + 4:.1f}" y="{y + 13}" font-size="12">{_fmt(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _histogram(title: str, values: list[float], bins: int = 12, width: int = 520, height: int = 160) -> str:
    if not values:
        return f"<p>{html.escape(title)}: no data</p>"
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / span * bins))] += 1
    top = max(counts)
    bar_w = (width - 40) / bins
    parts = [
        f'<svg width="{width}" height="{height + 40}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="16" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, count in enumerate(counts):
        h = count / top * height
        parts.append(
            f'<rect x="{20 + i * bar_w:.1f}" y="{24 + height - h:.1f}" width="{bar_w - 2:.1f}" '
            f'height="{h:.1f}" fill="#f58518"><title>{count}</title></rect>'
        )
    parts.append(f'<text x="20" y="{height + 38}" font-size="12">{low:.2f}s</text>')
    parts.append(f'<text x="{width - 60}" y="{height + 38}" font-size="12">{high:.2f}s</text></svg>')
    return "".join(parts)


def render_html(metrics: dict[str, Any], records: list[dict[str, Any]]) -> str:
    cfg, overall, definitions = metrics["config"], metrics["overall"], metrics["definitions"]
    rows = "".join(
        f"<tr><td>{m}</td><td>{_fmt(overall.get(m))}</td><td>{html.escape(_definition(m, definitions))}</td></tr>"
        for m in HEADLINE
    )
    charts = "".join(
        _bar_chart(f"{metric} by type", {t: v.get(metric) for t, v in metrics["by_type"].items()})
        for metric in ("correctness", "citation_recall", "faithfulness", "recall@5")
    )
    totals = [r["scores"]["total_s"] for r in records if r.get("scores") and r["scores"].get("total_s") is not None]
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Eval report: {html.escape(cfg["backend"])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}svg{{display:block;margin:1em 0}}</style></head><body>
<h1>Eval report: {html.escape(cfg["backend"])} ({html.escape(str(cfg.get("model") or "-"))})</h1>
<p>{overall["questions"]} questions from <code>{html.escape(cfg["questions_file"])}</code>, k={cfg["k"]},
errors: {overall["errors"]}.</p><p><b>Judge.</b> {html.escape(_judge_text(cfg["judge"]))}</p>
<p><b>Judge agreement.</b> {html.escape(agreement_text(metrics))}</p>
<table><tr><th>metric</th><th>value</th><th>definition</th></tr>{rows}</table>
<h2>By question type</h2>{charts}
<h2>Latency</h2>{_histogram("total seconds per question", totals)}
</body></html>
"""


def write_reports(out: Path, metrics: dict[str, Any], records: list[dict[str, Any]]) -> None:
    (out / "report.md").write_text(render_markdown(metrics, records), encoding="utf-8")
    (out / "report.html").write_text(render_html(metrics, records), encoding="utf-8")
