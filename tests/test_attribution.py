"""A number the abstract gives for something else is caught (`rag.attribution`), and only then.

The swapped claims below pass the number filter (every number is in the abstract) and the old
similarity verifier; the correctly attributed ones must still pass, and numbers that cannot be bound
(a list, "respectively") decide nothing.
"""

from __future__ import annotations

import pytest

from evals.verifier_eval import bundled_papers
from rag.answer_types import Source
from rag.attribution import bound_words, misattributed_number
from rag.embedding import embedder_for
from rag.entailment import EntailmentJudge
from rag.paper import Paper, normalize_title
from rag.sentences import SentenceIndex
from rag.settings import Settings
from rag.text import split_sentences
from rag.verification import EmbeddingVerifier, EntailmentVerifier

TTM = (
    "Tiny Time Mixers (TTMs): Fast Pre-trained Models for Enhanced Zero/Few-Shot Forecasting of "
    "Multivariate Time Series"
)
PMOD = "p-MoD: Building Mixture-of-Depths MLLMs via Progressive Ratio Decay"


def bundled(title: str) -> Paper:
    return bundled_papers()[normalize_title(title)]


def test_numbers_are_bound_to_the_words_next_to_them():
    bound = bound_words("A 14X cut in learnable parameters and substantial reductions in inference time (54X).")
    assert {"learnabl", "paramet"} <= bound["14"] and {"infer", "time"} <= bound["54"]
    assert not bound["14"] & bound["54"]
    assert "resnet-18" in bound_words("ResNet-18 reaches 71.2% accuracy.")["71.2"]  # "18" is a name here


@pytest.mark.parametrize(
    ("title", "claim", "value", "instead"),
    [
        (TTM, "Compared with LLM-based time series methods, TTM cuts learnable parameters by 54X.", "54", "14"),
        (PMOD, "p-MoD needs 53.8% of the baselines' TFLOPs.", "53.8", "55.6"),
    ],
)
def test_a_number_moved_to_another_setting_of_the_same_sentence_is_caught(title, claim, value, instead):
    paper = bundled(title)
    found = misattributed_number(claim, split_sentences(paper.abstract), paper.title)
    assert found is not None and (found.value, found.instead) == (value, instead)
    assert value in found.sentence and instead in found.sentence


@pytest.mark.parametrize(
    ("title", "claim"),
    [
        (TTM, "Compared with LLM-based time series methods, TTM cuts the number of learnable parameters by 14X."),
        (TTM, "TTM makes inference 54X cheaper than LLM-based time series methods."),
        (PMOD, "p-MoD needs only 55.6% of the baselines' TFLOPs and 53.8% of their KV cache storage."),
        (PMOD, "During inference p-MoD keeps 53.8% of the KV cache storage."),
    ],
)
def test_a_number_given_for_what_the_claim_says_is_not_caught(title, claim):
    paper = bundled(title)
    assert misattributed_number(claim, split_sentences(paper.abstract), paper.title) is None


def test_numbers_that_cannot_be_bound_decide_nothing():
    listed = ["We improve accuracy by 5%, 3% and 2% on CIFAR-10, SVHN and ImageNet."]
    assert misattributed_number("We improve accuracy on ImageNet by 5%.", listed) is None
    respectively = ["Accuracy rises by 5% on SVHN and by 2% on ImageNet, respectively for small models."]
    assert misattributed_number("Accuracy rises by 2% on SVHN.", respectively) is None
    assert misattributed_number("Accuracy rises by 2% on SVHN.", ["Accuracy rises on SVHN."]) is None


def _source(title: str) -> Source:
    return Source.from_paper(bundled(title), 1)


def test_the_verifiers_reject_the_swap_the_old_checks_accepted():
    """Every number of the swapped sentence is in the abstract, and it is nearly a copy of the abstract's
    words: the old embedding verifier accepted it. Now both verifiers reject it, and keep the original."""
    settings = Settings.load()
    embedder = embedder_for(settings.index)
    swapped = "TTM gives a 54X cut in learnable parameters compared with LLM-TS methods [1]."
    original = "TTM gives a 14X cut in learnable parameters compared with LLM-TS methods [1]."
    old = settings.verification.model_copy(update={"number_binding": False})
    embedding_old = EmbeddingVerifier(old, embedder, SentenceIndex(embedder))
    assert embedding_old.verify(swapped, [_source(TTM)]).sentences[0].supported  # what used to happen
    embedding = EmbeddingVerifier(settings.verification, embedder, SentenceIndex(embedder))
    assert not embedding.verify(swapped, [_source(TTM)]).sentences[0].supported
    assert embedding.verify(original, [_source(TTM)]).sentences[0].supported
    never_asked = EntailmentJudge(lambda: pytest.fail("the judge was asked: the filter should have decided"))
    entailment = EntailmentVerifier(settings.verification, embedder, SentenceIndex(embedder), judge=never_asked)
    [checked] = entailment.verify(swapped, [_source(TTM)]).sentences
    assert checked.verdict == "contradicted" and "14X cut in learnable parameters" in (checked.evidence or "")
