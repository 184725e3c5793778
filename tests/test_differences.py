"""A difference stated as a level, or a level as a difference, is contradicted (`rag.differences`), and only then."""

from __future__ import annotations

import pytest

from evals.verifier_eval import bundled_papers
from rag.answer_types import Source
from rag.differences import misread_difference, readings
from rag.paper import normalize_title
from rag.text import split_sentences

SARCASM = "Sarcasm Detection using Hybrid Neural Network"  # "improves upon the baseline by ~ 5% in ... accuracy"
INSTA = "INSTA-BNN: Binary Neural Network with INSTAnce-aware Threshold"  # "outperforms the baseline by 2.5%"


def _abstract(title: str) -> list[str]:
    return split_sentences(bundled_papers()[normalize_title(title)].abstract)


def test_numbers_are_read_as_differences_levels_or_multipliers():
    assert readings("It improves accuracy by ~ 5% over the baseline.") == {"5": {"difference"}}
    assert readings("It yields a 54% F-score improvement.") == {"54": {"difference"}}
    assert readings("It reaches a classification accuracy of 91.2%.") == {"91.2": {"level"}}
    assert readings("It trains 15x faster and 3 times cheaper.") == {"15": {"multiplier"}, "3": {"multiplier"}}
    rose = readings("Accuracy rose from 60% to 65%.")
    assert "difference" not in rose["60"] | rose["65"]


@pytest.mark.parametrize(
    ("title", "claim", "claimed", "stated"),
    [
        # f13a-011, as the local model answered it (the judge said supported).
        (
            SARCASM,
            "The attention-based hybrid sarcasm model reaches a classification accuracy of ~ 5% on the "
            "news-headlines dataset.",
            "level",
            "difference",
        ),
        (INSTA, "INSTA-BNN improves top-1 accuracy over the baseline by 68.0% with ResNet-18.", "difference", "level"),
    ],
)
def test_a_gain_said_as_a_level_or_a_level_said_as_a_gain_is_caught(title, claim, claimed, stated):
    found = misread_difference(claim, _abstract(title))
    assert found is not None and (found.claimed, found.stated) == (claimed, stated)
    assert found.value in found.sentence


@pytest.mark.parametrize(
    ("title", "claim"),
    [
        (SARCASM, "The hybrid attention model improves classification accuracy by about 5% over the baseline."),
        (SARCASM, "The hybrid model is about 5% more accurate than the baseline."),
        (INSTA, "With a MobileNetV1-based model, INSTA-BNN reaches 71.7% top-1 accuracy on ImageNet."),
        (INSTA, "INSTA-BNN outperforms the baseline by 2.5% on ImageNet with a ResNet-18 model."),
    ],
)
def test_a_value_read_the_way_the_abstract_reads_it_is_not_caught(title, claim):
    assert misread_difference(claim, _abstract(title)) is None


def test_the_entailment_verifier_contradicts_a_gain_said_as_a_level_without_asking_the_judge(filters_only):
    paper = bundled_papers()[normalize_title(SARCASM)]
    claim = "The hybrid sarcasm model reaches a classification accuracy of ~ 5% on news headlines [1]."
    [checked] = filters_only.verify(claim, [Source.from_paper(paper, 1)]).sentences
    assert checked.verdict == "contradicted" and "by ~ 5%" in (checked.evidence or "")
