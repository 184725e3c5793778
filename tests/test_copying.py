"""A sentence copied from an abstract is supported without the judge; a near-copy that changes the meaning
is not a copy. Most cases here are "no": one word flipped, dropped or added is how a contradiction looks."""

from __future__ import annotations

import pytest

from evals.verifier_eval import bundled_papers, load_claims
from rag import verify
from rag.copying import copied_from, is_copy
from rag.paper import normalize_title
from rag.text import split_sentences

TITLE = "Harmony: Overcoming the Hurdles of GPU Memory Capacity to Train Massive DNN Models on Commodity Servers"
SOURCE = (
    "In this work, we present Harmony, a framework that reduces swap load by up to two orders of magnitude "
    "and obtains a training throughput speedup of up to 7.6x over highly optimized baselines."
)


@pytest.mark.parametrize(
    "claim",
    [
        "Harmony reduces swap load by up to two orders of magnitude and obtains a training throughput speedup.",
        "The paper presents Harmony, a framework that reduces swap load by up to two orders of magnitude.",
        "It obtains a training throughput speedup of up to 7.6x over highly optimized baselines.",
    ],
)
def test_restatements_of_the_sentence_are_copies(claim):
    assert is_copy(claim, TITLE, SOURCE)


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        # a negation added, or one the source has, dropped
        ("Harmony does not reduce swap load by up to two orders of magnitude and obtains a speedup.", SOURCE),
        (
            "Harmony reduces swap load by up to two orders of magnitude on commodity servers.",
            "We find that Harmony does not reduce swap load by up to two orders of magnitude on commodity servers.",
        ),
        # a changed number, a changed entity
        ("Harmony obtains a training throughput speedup of up to 9.6x over highly optimized baselines.", SOURCE),
        (
            "ZeRO reduces swap load by up to two orders of magnitude and obtains a training throughput speedup.",
            SOURCE,
        ),
        # a hedge, an attribution to earlier work, a comparison: the run is cut out of its context
        (
            "Larger batches improve generalization on every image classification benchmark.",
            "We hypothesize that larger batches improve generalization on every image classification benchmark.",
        ),
        (
            "Larger batches improve generalization on every image classification benchmark.",
            "Prior work claimed larger batches improve generalization on every image classification benchmark.",
        ),
        (
            "The model outperforms strong retrieval systems on long question answering tasks.",
            "Unlike our approach, the model outperforms strong retrieval systems on long question answering tasks "
            "only when given gold passages.",
        ),
        # a condition the source attaches, dropped
        (
            "Distillation preserves accuracy on all eight downstream tasks we evaluate.",
            "Distillation preserves accuracy on all eight downstream tasks we evaluate only when the teacher is large.",
        ),
        # too short a shared run to be a copy
        ("Harmony reduces swap load.", SOURCE),
    ],
)
def test_near_copies_that_change_the_meaning_are_not_copies(claim, source):
    assert not is_copy(claim, TITLE, source)


PHYSICAL = "Backpropagation-free Training of Deep Physical Neural Networks"
REASON = (
    "So far, training of digital deep learning models mainly relies on backpropagation, which is not suitable "
    "for physical implementation as it requires perfect knowledge of the computation performed in the "
    "so-called forward pass of the neural network."
)


def test_what_a_reason_clause_asserts_is_copied_whatever_the_clause_before_it_denies():
    # hw-021 / f11a-021: the reason after "as it" holds although "not suitable" comes before it
    claim = "Backpropagation requires perfect knowledge of the computation performed in the so-called forward pass."
    assert is_copy(claim, PHYSICAL, REASON)
    assert is_copy(claim, PHYSICAL, REASON.replace("as it requires", "because it requires"))


@pytest.mark.parametrize(
    "source",
    [
        # the denial reaches into the run: no reason clause opens between them
        "We do not find that backpropagation requires perfect knowledge of the computation performed in the "
        "so-called forward pass.",
        # the reason clause itself denies
        "Backpropagation is used as it never requires perfect knowledge of the computation performed in the "
        "so-called forward pass.",
        # "as" that opens no reason ("as well as", "such as") does not end the denial's reach
        "It is not as backpropagation requires perfect knowledge of the computation performed in the "
        "so-called forward pass.",
    ],
)
def test_a_denial_before_the_run_still_counts_without_a_reason_clause_between(source):
    claim = "Backpropagation requires perfect knowledge of the computation performed in the so-called forward pass."
    assert not is_copy(claim, PHYSICAL, source)


def test_no_contradicted_or_unstated_claim_of_the_verification_set_is_a_copy():
    papers = bundled_papers()
    claims = [c for c in load_claims("evals/verification/claims.jsonl") if c["label"] != "supported"]
    assert len(claims) >= 100
    copies = []
    for claim in claims:
        paper = papers[normalize_title(claim["paper_title"])]
        if copied_from(claim["claim"], paper.title, split_sentences(paper.abstract)):
            copies.append(claim["id"])
    assert copies == []


@pytest.mark.slow
def test_a_copied_sentence_is_supported_by_the_copy_and_its_contradiction_is_not(local_model_url):
    """Through `verify()` with the entailment verifier: the copy is decided by the copy rule (support 1.0,
    evidence the copied sentence); the same sentence with its direction flipped goes to the judge."""
    paper = {"title": TITLE, "abstract": SOURCE}
    [copy] = verify("Harmony reduces swap load by up to two orders of magnitude and obtains a speedup [1].", [paper])
    assert copy.supported and copy.verdict == "supported" and copy.support == 1.0 and copy.evidence == SOURCE
    flipped_text = "Harmony increases swap load by up to two orders of magnitude and obtains a speedup [1]."
    [flipped] = verify(flipped_text, [paper])
    assert not flipped.supported and flipped.support < 1.0
