"""Side-by-side of two eval runs: per-metric deltas and the questions that flipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.harness import load_records
from evals.report import HEADLINE, _fmt


def _flips(a: dict[str, dict], b: dict[str, dict]) -> list[str]:
    lines = []
    for qid in sorted(a.keys() & b.keys()):
        sa, sb = a[qid].get("scores") or {}, b[qid].get("scores") or {}
        for key, label in (("correctness", "correct"), ("abstained", "abstained")):
            va, vb = sa.get(key), sb.get(key)
            if va is not None and vb is not None and bool(va) != bool(vb):
                lines.append(f"- **{qid}** {label}: {bool(va)} → {bool(vb)} — {a[qid]['question']}")
    return lines


def compare_runs(dir_a: str | Path, dir_b: str | Path) -> str:
    dir_a, dir_b = Path(dir_a), Path(dir_b)
    metrics: list[dict[str, Any]] = []
    for folder in (dir_a, dir_b):
        path = folder / "metrics.json"
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: is {folder} an eval output folder?")
        metrics.append(json.loads(path.read_text()))
    ma, mb = metrics[0]["overall"], metrics[1]["overall"]
    lines = [
        f"# Compare: A = {dir_a} ({metrics[0]['config']['backend']}) vs B = {dir_b} "
        f"({metrics[1]['config']['backend']})",
        "",
        "| metric | A | B | B − A |",
        "| --- | --- | --- | --- |",
    ]
    for m in HEADLINE:
        va, vb = ma.get(m), mb.get(m)
        delta = f"{vb - va:+.3f}" if isinstance(va, int | float) and isinstance(vb, int | float) else "–"
        lines.append(f"| {m} | {_fmt(va)} | {_fmt(vb)} | {delta} |")
    flips = _flips(load_records(dir_a), load_records(dir_b))
    lines += ["", f"## Flipped questions ({len(flips)})", ""] + (flips or ["none"])
    return "\n".join(lines) + "\n"
