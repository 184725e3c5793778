"""Answering from one paper: only when the question asks about one paper and retrieval and evidence agree."""

from __future__ import annotations

import pytest

from rag.focus import asks_about_one_paper
from rag.pipeline import Pipeline, ask
from rag.settings import Settings

ONE_PAPER = "Which model densely connects the layers of a bidirectional LSTM for classifying sentences?"
SEVERAL = "Which papers search for neural network architectures with reinforcement learning or learned controllers?"


@pytest.mark.parametrize(
    "question",
    [
        SEVERAL,
        "What approaches compress a network by distilling it into smaller students?",
        "Compare AutoInt with DIN for click-through rate prediction.",
        "What surveys review generative models?",
        "Are there other methods for pruning?",
        "Which techniques make transformers cheaper at inference time?",
    ],
)
def test_questions_about_several_papers_are_not_about_one(question):
    assert not asks_about_one_paper(question)


@pytest.mark.parametrize(
    "question",
    [
        ONE_PAPER,
        "Which method uses self-attention to learn feature interactions for click-through rate prediction?",
        "What speedup does it report?",
        # One paper's own list, its baselines and its test sets are not several papers.
        "What are the two augmentation techniques introduced for masked pre-training on image tokens?",
        "Why do existing rehearsal-based methods fall short of how the brain consolidates memories?",
        "Which datasets was the dialogue act tagger evaluated on?",
    ],
)
def test_questions_about_one_paper(question):
    assert asks_about_one_paper(question)


def test_a_comparison_word_keeps_every_paper_even_in_a_question_about_one():
    # A known cost of the cue list: "compared to" in a question about one paper's result keeps all papers.
    assert not asks_about_one_paper("How much GPU memory does AugLocal save compared to backpropagation?")


def _pipeline(index, **overrides) -> Pipeline:
    return Pipeline(Settings.load(overrides={"generation.backend": "extractive", "index.dir": index, **overrides}))


def test_a_question_about_one_paper_is_answered_from_that_paper_alone(bundled_index):
    evidence = _pipeline(bundled_index).gather_evidence(ONE_PAPER, ONE_PAPER)
    assert len(evidence.sources) >= 3  # the other retrieved papers are still what the gate looked at
    [only] = evidence.answer_sources
    assert only.title.startswith("Densely Connected Bidirectional LSTM") and only.n == 1
    assert len(only.evidence) >= 2  # room for more of its sentences
    answer = ask(ONE_PAPER, backend="extractive", index_dir=bundled_index)
    assert {n for s in answer.sentences for n in s.citations} == {1} and len(answer.sources) == 1


def test_a_question_about_several_papers_keeps_them_all(bundled_index):
    evidence = _pipeline(bundled_index).gather_evidence(SEVERAL, SEVERAL)
    assert evidence.answer_sources == evidence.sources and len(evidence.sources) >= 3


NAMED = "How much GPU memory does AugLocal save compared with backpropagation?"


def test_a_question_naming_what_only_the_first_paper_uses_is_answered_from_it(bundled_index):
    # "compared" keeps every paper by the cue list, and a second retrieved paper reports "more than 45%"
    # for its own method; AugLocal is named only by the first paper, so the answer is drawn from it alone.
    evidence = _pipeline(bundled_index).gather_evidence(NAMED, NAMED)
    assert len(evidence.sources) >= 2 and "AugLocal" not in evidence.sources[1].text
    [only] = evidence.answer_sources
    assert "AugLocal" in only.text and only.paper_id == evidence.sources[0].paper_id


@pytest.mark.parametrize(
    "question",
    [
        "Compare AutoInt with DIN for click-through rate prediction.",  # a name each paper uses
        "Which papers build on AugLocal for supervised local learning?",  # several papers asked for
    ],
)
def test_a_name_does_not_narrow_a_question_about_several_papers(bundled_index, question):
    evidence = _pipeline(bundled_index).gather_evidence(question, question)
    assert evidence.answer_sources == evidence.sources and len(evidence.sources) >= 2


def test_focus_can_be_turned_off(bundled_index):
    evidence = _pipeline(bundled_index, **{"evidence.focus_ratio": 0.0}).gather_evidence(ONE_PAPER, ONE_PAPER)
    assert evidence.answer_sources == evidence.sources and len(evidence.sources) >= 3
