"""A "how many X" question is not answered by a count of something else (`rag.counted`)."""

from __future__ import annotations

import pytest

from rag.answer_types import AnswerSentence
from rag.counted import asked_count_nouns, asks_for_a_count, counted_phrases, counts_something_else, states_only_shares
from rag.relevance import split_other_counts
from tests.fault_server import ask_through

MAVREC_CATEGORIES = "How many object categories are annotated in the MAVREC ground-and-drone video dataset?"


@pytest.mark.parametrize(
    ("question", "nouns"),
    [
        (MAVREC_CATEGORIES, {"categories"}),
        ("How many GPU hours did pre-training take?", {"hours"}),
        ("How many fewer parameters than ConvNeXt-B does it need?", {"parameters"}),
        ("How many datasets and how many architectures was it tested on?", {"datasets", "architectures"}),
        ("How many of them got fixed?", set()),
        ("How many times faster is it?", set()),
        ("What accuracy does it reach?", set()),
    ],
)
def test_what_a_how_many_question_counts(question, nouns):
    assert asked_count_nouns(question) == nouns


def test_what_the_counts_of_a_sentence_count():
    sentence = "Attacks of 7 attack types generated from 135 victim models (configured by 5 architecture types)."
    assert counted_phrases(sentence) == [
        ["attack", "types", "generated"],
        ["victim", "models", "configured"],
        [
            "architecture",
            "types",
        ],
    ]
    assert counted_phrases("We compare 32 state-of-the-art deep and tree-based methods.") == [
        ["state-of-the-art", "deep", "tree-based", "methods"]
    ]
    assert counted_phrases("It reaches 84.0% accuracy with 2.3x lower latency.") == []  # values, not counts
    assert counted_phrases("A 13-layer network with 2 to 25 times fewer parameters.") == [["layer"]]


@pytest.mark.parametrize(
    ("sentence", "nouns", "something_else"),
    [
        ("There are 1.1 million annotated bounding boxes.", {"categories"}, True),
        ("Two collections of autophagy-related abstracts from PubMed were processed.", {"abstracts"}, True),
        ("It annotates 10 object classes.", {"categories"}, False),  # a synonym
        ("24 pre-trained miniature BERT models will be released.", {"checkpoints"}, False),
        ("It was evaluated on five public benchmarks.", {"datasets"}, False),
        ("SortedNet can train up to 160 different sub-models simultaneously.", {"sub-networks"}, False),
        ("Our simple 13-layer architecture outperforms VGGNet.", {"layers"}, False),
        ("The model reaches 84.0% accuracy.", {"categories"}, False),  # counts nothing: not for this rule
    ],
)
def test_a_sentence_counting_something_else(sentence, nouns, something_else):
    assert counts_something_else(sentence, nouns) is something_else


def test_a_count_of_something_else_does_not_answer_how_many(bundled_index, monkeypatch):
    """f9a-019, a near-miss: MAVREC's abstract counts frames and bounding boxes, not object categories. The
    reply's sentence is true and supported, and is left out; asked how many boxes, the same reply answers."""
    reply = "There are 1.1 million annotated bounding boxes in the MAVREC dataset [1]."
    answer = ask_through("restate", reply, MAVREC_CATEGORIES, bundled_index, monkeypatch)
    assert "MAVREC" in answer.sources[0].title or "MAVREC" in answer.sources[0].text
    assert answer.abstained and [s.left_out for s in answer.off_topic] == [
        "the question asks how many of something, and this sentence counts something else or nothing"
    ]
    boxes = MAVREC_CATEGORIES.replace("object categories", "bounding boxes")
    answered = ask_through("restate", reply, boxes, bundled_index, monkeypatch)
    assert not answered.abstained and "1.1 million" in answered.answer
    unchecked = ask_through(
        "restate", reply, MAVREC_CATEGORIES, bundled_index, monkeypatch, **{"verification.require_asked_count": False}
    )
    assert not unchecked.abstained


def _sentence(text: str, *citations: int) -> AnswerSentence:
    return AnswerSentence(text=text, citations=list(citations), supported=True, support=1.0, verdict="supported")


QUSCORE_QUERIES = "On average, how many queries does the black-box attack QuScore need before it succeeds on ImageNet?"


def test_only_shares_do_not_answer_a_question_for_a_count():
    """f14a-010, a near-miss: the abstract calls QuScore query-efficient and gives success rates, never a
    number of queries. "How many fewer parameters?" asks for a difference, which a share states."""
    rates = _sentence("The attack is query-efficient with a success rate between 95% and 100%.", 1)
    assert states_only_shares(rates.text) and asks_for_a_count(QUSCORE_QUERIES)
    assert split_other_counts([rates], QUSCORE_QUERIES) == ([], [rates])
    counted = _sentence("QuScore needs 350 queries on average, a 95% success rate.", 1)
    assert not states_only_shares(counted.text)
    assert split_other_counts([counted], QUSCORE_QUERIES) == ([counted], [])
    fewer = _sentence("TransNeXt-Tiny requires 69% fewer parameters.", 1)
    question = "How many fewer parameters than ConvNeXt-B does TransNeXt-Tiny need?"
    assert not asks_for_a_count(question)
    assert split_other_counts([fewer], question) == ([fewer], [])
    assert not states_only_shares("It trains on ResNet50 and LeNet-5 models.")  # numbers of names: no share
    assert not states_only_shares("It reaches 84.0% at 224x224 resolution.")  # a size is not a multiplier


def test_a_number_joined_by_several_hyphens_is_read_not_a_crash():
    # "3--layer" once raised IndexError in the middle of an answer's relevance checks.
    assert counted_phrases("It stacks 3--layer blocks.") == [["layer"]]
    assert counted_phrases("A 5- layer net.") == [["layer"]]
