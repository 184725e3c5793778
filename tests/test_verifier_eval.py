"""The verifier meta-evaluation counts acceptances per label and kind, and can report a rejection."""

from __future__ import annotations

import json

from evals.verifier_eval import acceptance, load_claims
from rag.settings import Settings

HARMONY = "Harmony: Overcoming the Hurdles of GPU Memory Capacity to Train Massive DNN Models on Commodity Servers"


def test_acceptance_is_counted_per_label_and_kind(tmp_path):
    rows = [
        {
            "split": "tune",
            "label": "supported",
            "kind": "paraphrase",
            "paper_title": HARMONY,
            "claim": "Harmony speeds up training throughput by up to 7.6x over baselines with virtualized memory.",
        },
        # A number the abstract never states: the embedding verifier's number check must reject it.
        {
            "split": "tune",
            "label": "contradicted",
            "kind": "number",
            "paper_title": HARMONY,
            "claim": "Harmony speeds up training throughput by up to 2.1x over baselines with virtualized memory.",
        },
        {"split": "test", "label": "supported", "kind": "paraphrase", "paper_title": HARMONY, "claim": "unused"},
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = acceptance(load_claims(path, "tune"), Settings.load(overrides={"verification.verifier": "embedding"}))
    assert result["supported"] == {"accepted": 1, "of": 1, "rate": 1.0}
    assert result["contradicted/number"] == {"accepted": 0, "of": 1, "rate": 0.0}
