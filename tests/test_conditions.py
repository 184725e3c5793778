"""A value asked for under one condition is not answered by the value under the contrasting one."""

from __future__ import annotations

import pytest

from rag.answer_types import AnswerSentence
from rag.conditions import other_condition
from rag.relevance import split_other_conditions


@pytest.mark.parametrize(
    ("question", "sentence", "other"),
    [
        (
            "How much faster is inference on a GPU for the single-layer wide Transformer?",
            "The single layer Transformer has 3.1x faster inference latency on a CPU than a deeper one.",
            True,
        ),
        (
            "What word error rate on the test set was reported?",
            "18.1% word error rate was achieved on the validation set.",
            True,
        ),
        (
            "How many images were used to pre-train the model?",
            "The model is fine-tuned on 5,000 images.",
            True,
        ),
        # The asked condition is named too, or the question names both, or neither: nothing to decide.
        ("What word error rate on the test set was reported?", "17.4% on the test set, 18.1% on validation.", False),
        ("How fast is it on CPU and GPU?", "It runs at 30 fps on a GPU.", False),
        ("What accuracy does it reach?", "It reaches 84% after fine-tuning.", False),
    ],
)
def test_a_sentence_about_the_contrasting_condition(question, sentence, other):
    assert other_condition(sentence, question) is other


def test_only_questions_for_a_value_or_a_name_are_held_to_the_asked_condition():
    inference = AnswerSentence(
        text="Inference takes 12 GPU hours on the full test set.", citations=[1], supported=True, support=1.0
    )
    assert split_other_conditions([inference], "How many GPU hours does training take?") == ([], [inference])
    assert split_other_conditions([inference], "How is the model trained?") == ([inference], [])


def test_the_validation_figure_does_not_answer_for_the_test_set(bundled_index, monkeypatch):
    """f6-028: USC's abstract gives 18.1% word error rate on the validation set and 17.4% on the test set;
    asked for the test set, the model's true sentence about the validation set is left out."""
    from tests.fault_server import ask_through

    question = "What word error rate on the test set was reported for the open-source Uzbek speech corpus?"
    reply = "A word error rate of 18.1% was achieved on the validation set [1]."
    answer = ask_through("restate", reply, question, bundled_index, monkeypatch)
    assert answer.sources[0].title.startswith("USC")
    assert answer.abstained and [s.left_out for s in answer.off_topic] == [
        "the question asks about one condition, and this sentence is about the contrasting one"
    ]
    right = ask_through(
        "restate", "A word error rate of 17.4% was achieved on the test set [1].", question, bundled_index, monkeypatch
    )
    assert not right.abstained and "17.4%" in right.answer
