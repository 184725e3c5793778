"""Whether the selected evidence can answer the question, decided before anything is generated.

Today: the best evidence sentence's similarity to the question must reach a threshold, calibrated on
the dev set (`python -m evals.calibrate_abstention --write` writes `rag/calibration.json`), unless
`verification.abstain_below` sets one explicitly.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from rag.answer_types import Source
from rag.settings import VerificationSettings

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


@functools.cache
def calibrated_threshold() -> float:
    return float(json.loads(CALIBRATION_FILE.read_text())["abstain_below"])


def abstain_threshold(settings: VerificationSettings) -> float:
    return settings.abstain_below if settings.abstain_below is not None else calibrated_threshold()


def best_evidence_score(sources: list[Source]) -> float:
    return max((s.evidence_score for s in sources), default=0.0)


def should_abstain(sources: list[Source], settings: VerificationSettings) -> bool:
    return best_evidence_score(sources) < abstain_threshold(settings)
