"""Side-by-side of two eval runs: per-metric deltas and the questions that flipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.harness import load_records
from evals.report import HEADLINE, _fmt
from rag.settings import flatten_paths


def _flips(a: dict[str, dict], b: dict[str, dict]) -> list[str]:
    lines = []
    for qid in sorted(a.keys() & b.keys()):
        sa, sb = a[qid].get("scores") or {}, b[qid].get("scores") or {}
        for key, label in (("correctness", "correct"), ("abstained", "abstained")):
            va, vb = sa.get(key), sb.get(key)
            if va is not None and vb is not None and bool(va) != bool(vb):
                lines.append(f"- **{qid}** {label}: {bool(va)} → {bool(vb)} — {a[qid]['question']}")
    return lines


def _settings_diff(config_a: dict[str, Any], config_b: dict[str, Any]) -> list[str]:
    """The settings that differ between two runs (runs from before settings were recorded say so)."""
    if "settings" not in config_a or "settings" not in config_b:
        return ["## Settings", "", "not recorded for one of the runs (made before settings were recorded)"]
    a, b = flatten_paths(config_a["settings"]), flatten_paths(config_b["settings"])
    changed = [p for p in sorted(a.keys() | b.keys()) if a.get(p) != b.get(p)]
    head = [f"## Settings (hash A {config_a.get('settings_hash')}, B {config_b.get('settings_hash')})", ""]
    if not changed:
        return [*head, "identical"]
    rows = [f"| {p} | {json.dumps(a.get(p))} | {json.dumps(b.get(p))} |" for p in changed]
    return [*head, "| setting | A | B |", "| --- | --- | --- |", *rows]


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
    lines += ["", *_settings_diff(metrics[0]["config"], metrics[1]["config"])]
    flips = _flips(load_records(dir_a), load_records(dir_b))
    lines += ["", f"## Flipped questions ({len(flips)})", ""] + (flips or ["none"])
    return "\n".join(lines) + "\n"
