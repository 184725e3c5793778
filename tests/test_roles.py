"""Swapped roles and wrong ranks are contradicted before the judge is asked, and only then.

"DenseNet runs twice as fast as HarDNet" where the abstract says the reverse, and "ranked first" where it
says 3rd rank, passed every cheap filter and the 1.5B judge (P(supported) 0.73 and 0.62 on the test half
of the claim sets). The right orders and ranks, passive paraphrases, equalities and comparisons with the
opposite word must not be caught, and no abstract sentence of the corpus is caught against its own abstract.
"""

from __future__ import annotations

import pytest

from evals.verifier_eval import bundled_papers
from rag.answer_types import Source
from rag.entailment import EntailmentJudge, Judgment
from rag.paper import Paper, normalize_title
from rag.roles import swapped_roles
from rag.text import ranks_in, split_sentences, stated_values
from rag.verification import EntailmentVerifier

THRESHOLDNET = "New Pruning Method Based on DenseNet Network for Image Classification"
AUDIO = "Learning General Audio Representations with Large-Scale Training of Patchout Audio Transformers"
CASCADE = (
    "CascadeTabNet: An approach for end to end table detection and structure recognition from image-based documents"
)


def bundled(title: str) -> Paper:
    return bundled_papers()[normalize_title(title)]


def abstract(title: str) -> list[str]:
    return split_sentences(bundled(title).abstract)


@pytest.mark.parametrize(
    ("title", "claim", "pair"),
    [
        (THRESHOLDNET, "In the CIFAR10 experiments, DenseNet runs twice as fast as HarDNet.", ("densenet", "hardnet")),
        (AUDIO, "CNN representations outperform the representations extracted by audio models.", ("cnn", "audio")),
    ],
)
def test_a_claim_that_swaps_the_two_sides_of_a_comparison_is_caught(title, claim, pair):
    found = swapped_roles(claim, abstract(title))
    assert found is not None and (found.first, found.second) == pair
    assert found.sentence in abstract(title)


@pytest.mark.parametrize(
    ("title", "claim"),
    [
        (THRESHOLDNET, "On CIFAR10, HarDNet runs twice as fast as DenseNet."),  # the abstract's order
        (THRESHOLDNET, "DenseNet is twice as slow as HarDNet."),  # the opposite word: the same statement
        (THRESHOLDNET, "ThresholdNet is as fast as DenseNet."),  # an equality compares no direction
        (AUDIO, "CNN representations are outperformed by the representations extracted by audio transformers."),
        (AUDIO, "Audio transformer representations outperform CNN representations."),
    ],
)
def test_the_stated_order_a_passive_an_equality_or_the_opposite_word_is_not_caught(title, claim):
    assert swapped_roles(claim, abstract(title)) is None


def test_a_passive_verb_turns_the_order_around_and_a_margin_or_a_comparative_does_not():
    stated = ["SiT outperformed existing methods by a large margin.", "SiT is faster than DeiT."]
    assert swapped_roles("Existing methods outperformed SiT by a large margin.", stated) is not None
    assert swapped_roles("Existing methods are outperformed by SiT.", stated) is None
    assert swapped_roles("SiT is outperformed by existing methods.", stated) is None  # wrong, but passive
    assert swapped_roles("DeiT is faster than SiT.", stated) is not None
    assert swapped_roles("SiT is faster than DeiT.", stated) is None


def test_no_abstract_sentence_of_the_corpus_is_caught_against_its_own_abstract():
    """3,434 sentences: one that shares a pivot and words with another sentence of its abstract (a paper
    that outperforms the methods its background sentence says outperform others) is the known risk."""
    caught = []
    for paper in bundled_papers().values():
        sentences = split_sentences(paper.abstract)
        caught += [s for s in sentences if swapped_roles(s, sentences)]
    assert caught == []


def test_ranks_are_values():
    assert ranks_in("CascadeTabNet ranked first for table detection") == {"#1"}
    assert ranks_in("We achieved 3rd rank in ICDAR 2019") == {"#3"}
    assert ranks_in("won the first place in all three tracks; came in second place") == {"#1", "#2"}
    assert ranks_in("we are the first to study the first stage with top-1 accuracy") == set()  # no placings
    assert stated_values("It placed 2nd among 20 teams.") == {"#2", "2", "20"}


def _source(title: str) -> Source:
    return Source.from_paper(bundled(title), 1)


def test_swapped_roles_and_wrong_ranks_are_contradicted_without_the_judge(filters_only):
    verifier = filters_only
    swapped = "In the CIFAR10 experiments, DenseNet runs twice as fast as HarDNet [1]."
    [checked] = verifier.verify(swapped, [_source(THRESHOLDNET)]).sentences
    assert checked.verdict == "contradicted" and "HarDNet is twice as fast as DenseNet" in (checked.evidence or "")
    first = "CascadeTabNet ranked first for table detection in the ICDAR 2019 post-competition results [1]."
    [checked] = verifier.verify(first, [_source(CASCADE)]).sentences
    assert checked.verdict == "contradicted" and "3rd rank" in (checked.evidence or "")
    # Without the rule, the judge is asked (and has to notice the swap by itself).
    asked: list[str] = []

    class Recording(EntailmentJudge):
        def judge(self, claim: str, title: str, evidence: list[str]) -> Judgment:
            asked.append(claim)
            return Judgment(0.0, 1.0, 0.0)

    off = verifier.settings.model_copy(update={"role_order": False})
    recording = Recording(lambda: None)
    EntailmentVerifier(off, verifier.embedder, verifier.sentence_index, judge=recording).verify(
        swapped, [_source(THRESHOLDNET)]
    )
    assert asked == ["In the CIFAR10 experiments, DenseNet runs twice as fast as HarDNet."]
