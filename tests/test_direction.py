"""The reading question that decides which side of a comparison the evidence favours (`rag.direction`)."""

from __future__ import annotations

import pytest

from evals.verifier_eval import bundled_papers
from rag.direction import read_sides
from rag.paper import normalize_title
from rag.roles import Comparison

HELLO_EDGE = "Hello Edge: Keyword Spotting on Microcontrollers"
EVIDENCE = [
    "DS-CNN achieves an accuracy of 95.4%, which is ~10% higher than the DNN model with similar number of parameters."
]
COMPARED = Comparison("is more accurate", "DS-CNN", "the DNN model")


class _FirstOption:
    """A reader that always answers the option shown first (the position bias the two orders cancel)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def first_token_choices(self, messages: list[dict[str, str]], top: int = 10) -> dict[str, float]:
        self.asked.append(messages[-1]["content"])
        return {"a": 0.9, "c": 0.1}


def test_a_reader_that_always_picks_the_first_option_favours_no_side():
    reader = _FirstOption()
    reading = read_sides(reader, COMPARED, HELLO_EDGE, EVIDENCE)  # type: ignore[arg-type]
    assert reading.margin == pytest.approx(0.0) and reading.neither == pytest.approx(0.1)
    first, flipped = reader.asked
    assert first.index("A: DS-CNN") < first.index("B: the DNN model")
    assert flipped.index("A: the DNN model") < flipped.index("B: DS-CNN")


@pytest.mark.slow
def test_the_real_model_reads_which_side_the_evidence_favours(local_model_url):
    """The embedded 1.5B model, asked both ways round, favours the side the abstract says wins, and the
    verifier then accepts the correct comparison the judge called contradicted and rejects its reversal."""
    from rag import verify
    from rag.llm.client import LLMClient
    from rag.llm.model_files import MODEL_NAME
    from rag.settings import Settings

    settings = Settings.load(overrides={"generation.backend": "local"})
    client = LLMClient(base_url=local_model_url + "/v1", model=MODEL_NAME)
    right = read_sides(client, COMPARED, HELLO_EDGE, EVIDENCE)
    wrong = read_sides(client, Comparison("is more accurate", "the DNN model", "DS-CNN"), HELLO_EDGE, EVIDENCE)
    assert right.margin >= settings.verification.direction_margin
    assert -wrong.margin >= settings.verification.direction_margin

    paper = bundled_papers()[normalize_title(HELLO_EDGE)]
    claim = "A DNN model with a similar number of parameters is about 10% less accurate than DS-CNN [1]."
    [checked] = verify(claim, [paper], settings=settings)
    assert checked.supported and checked.verdict == "supported"
    without = Settings.load(overrides={"generation.backend": "local", "verification.direction_question": False})
    [judged] = verify(claim, [paper], settings=without)
    assert not judged.supported
    reversed_claim = "DS-CNN is about 10% less accurate than a DNN model with a similar number of parameters [1]."
    [swapped] = verify(reversed_claim, [paper], settings=settings)
    assert not swapped.supported


@pytest.mark.slow
def test_a_reversed_resource_comparison_is_not_supported(local_model_url):
    """h12-031: the abstract says FastPathology used considerably less memory than the two Java-based
    platforms. Asked "which has more memory?", the reader took memory as capacity and turned the judge's
    verdict on the reversal to supported; asked "which uses more memory?", it reads the abstract right."""
    from rag import verify
    from rag.settings import Settings

    settings = Settings.load(overrides={"generation.backend": "local"})
    fast_pathology = (
        "FastPathology: An open-source platform for deep learning-based research and decision support in "
        "digital pathology"
    )
    paper = bundled_papers()[normalize_title(fast_pathology)]
    reversed_claim = (
        "In the memory measurements, the two Java-based platforms used considerably less memory than FastPathology [1]."
    )
    [swapped] = verify(reversed_claim, [paper], settings=settings)
    assert not swapped.supported and swapped.verdict == "contradicted"
    claim = "In the memory measurements, FastPathology used considerably less memory than the Java-based platforms [1]."
    [checked] = verify(claim, [paper], settings=settings)
    assert checked.supported
