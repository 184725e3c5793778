"""The two abstention gates of an LLM backend, calibrated together (`evals.calibrate_abstention --judge`)."""

from __future__ import annotations

import pytest

import rag.answerability as answerability
from evals.calibrate_abstention import choose_joint_thresholds
from rag.answer_types import Turn
from rag.followup import leaves_reference_open
from rag.generate import LocalGenerator
from rag.settings import Settings, VerificationSettings

CEILING = 0.48  # a similarity-only threshold: above the band where related and unrelated questions mix

# (answerable, best evidence similarity, P(yes) from the LLM gate)
PLAINLY_OFF = [(False, 0.15, 0.2), (False, 0.22, None), (False, 0.30, 0.3)]
ANSWERABLE_HIGH = [(True, 0.6, 0.9), (True, 0.7, 0.95), (True, 0.65, 0.85), (True, 0.55, 0.9)]


def test_the_similarity_threshold_drops_where_the_llm_gate_tells_the_band_apart():
    # In the band 0.38-0.46 answerable and unanswerable questions mix; the LLM gate tells them apart.
    band = [(True, 0.39, 0.9), (True, 0.42, 0.88), (False, 0.40, 0.3), (False, 0.45, 0.25)]
    chosen = choose_joint_thresholds(PLAINLY_OFF + ANSWERABLE_HIGH + band, ceiling=CEILING)
    assert chosen["similarity_below"] < 0.39  # the low answerable questions are no longer abstained on
    assert 0.3 < chosen["answerable_below"] < 0.85
    assert chosen["answerable_false_abstention"] == 0.0 and chosen["unanswerable_abstained"] == 1.0


def test_the_similarity_threshold_stays_where_the_llm_gate_cannot_tell():
    # The LLM gate says yes to the unanswerable band questions: only similarity can stop them.
    band = [(False, 0.40, 0.9), (False, 0.45, 0.92), (False, 0.43, None)]
    chosen = choose_joint_thresholds(PLAINLY_OFF + ANSWERABLE_HIGH + band, ceiling=CEILING)
    assert chosen["similarity_below"] > 0.45
    assert chosen["unanswerable_abstained"] == 1.0


def test_the_similarity_threshold_never_exceeds_the_similarity_only_one():
    chosen = choose_joint_thresholds([(True, 0.9, 0.9), (False, 0.8, 0.95), (True, 0.85, 0.9)], ceiling=CEILING)
    assert chosen["similarity_below"] <= CEILING


def test_with_outcomes_a_near_miss_the_verifier_rejects_anyway_does_not_raise_the_llm_threshold():
    # Two near-miss questions the LLM gate rates above an answerable one (0.80, 0.82 vs 0.78): judged on
    # the gate alone, stopping them is worth that one answerable question (1 in 21, within the 5% allowed);
    # the pipeline abstains on both anyway, so with outcomes the threshold stays below 0.78.
    many = ANSWERABLE_HIGH * 5
    band = [(True, 0.6, 0.78), (False, 0.6, 0.80), (False, 0.6, 0.82), (False, 0.6, 0.3)]
    gate_alone = choose_joint_thresholds(PLAINLY_OFF + many + band, ceiling=CEILING)
    assert gate_alone["answerable_below"] > 0.82  # the answerable 0.78 question is abstained on
    outcomes = [(*row, False) for row in PLAINLY_OFF + many] + [
        (True, 0.6, 0.78, False),
        (False, 0.6, 0.80, True),
        (False, 0.6, 0.82, True),
        (False, 0.6, 0.3, False),
    ]
    chosen = choose_joint_thresholds(outcomes, ceiling=CEILING)
    assert 0.3 < chosen["answerable_below"] < 0.78
    assert chosen["unanswerable_abstained"] == 1.0 and chosen["pipeline_false_abstention"] == 0.0


def test_with_outcomes_a_near_miss_the_pipeline_would_answer_still_counts_as_missed():
    # The negative case: the pipeline answers the near-miss, so only the gate can stop it.
    outcomes = [(*row, False) for row in PLAINLY_OFF + ANSWERABLE_HIGH] + [
        (True, 0.6, 0.95, False),
        (False, 0.6, 0.80, False),
    ]
    chosen = choose_joint_thresholds(outcomes, ceiling=CEILING)
    assert 0.80 < chosen["answerable_below"] < 0.85
    assert chosen["unanswerable_abstained"] == 1.0


def test_an_llm_backend_uses_the_jointly_calibrated_similarity_threshold(monkeypatch):
    stored = {"abstain_below": 0.48, "llm_judge": {"model": "m", "similarity_below": 0.3, "answerable_below": 0.7}}
    monkeypatch.setattr(answerability, "calibration", lambda: stored)
    default = VerificationSettings()
    assert answerability.similarity_threshold(default, "m") == 0.3
    assert answerability.similarity_threshold(default, "another-model") == 0.48  # calibrated for another model
    assert answerability.similarity_threshold(default, "extractive") == 0.48
    assert answerability.similarity_threshold(VerificationSettings(abstain_below=0.5), "m") == 0.5  # set wins


@pytest.mark.slow
def test_the_local_models_rewrite_of_a_follow_up_never_leaves_it_pointing_at_nothing(local_model_url):
    # The 1.5B model has returned this follow-up word for word, so retrieval searched for "their classifier"
    # and the similarity gate abstained; whatever it says now, the standalone question names the topic.
    history = [
        Turn(role="user", content="Which paper classifies encrypted TLS traffic and can reject unknown services?"),
        Turn(role="assistant", content="A TLS dataset comes with a classifier that rejects unknown services [1]."),
    ]
    follow_up = "What accuracy did their classifier get?"
    standalone = LocalGenerator(Settings.load(overrides={"generation.backend": "local"})).condense(follow_up, history)
    assert not leaves_reference_open(standalone, follow_up, history), standalone
    assert "tls" in standalone.lower()


def test_a_rewrite_that_resolves_nothing_is_not_taken_as_the_standalone_question():
    history = [
        Turn(role="user", content="Which paper classifies encrypted TLS traffic and can reject unknown services?"),
        Turn(role="assistant", content="A TLS dataset comes with a classifier that rejects unknown services [1]."),
    ]
    follow_up = "What accuracy did their classifier get?"
    assert leaves_reference_open(follow_up, follow_up, history)  # returned unchanged: "their" points nowhere
    assert not leaves_reference_open("What accuracy did the TLS services classifier get?", follow_up, history)
    # A question that refers to nothing is fine as it is, and so is a rewrite that dropped the reference.
    assert not leaves_reference_open("What is Yi built on?", "What is Yi built on?", history)
    assert not leaves_reference_open("What is BiSAGE?", "What is BiSAGE in it?", history)


def test_a_rewrite_that_drops_the_reference_and_names_nothing_is_not_taken():
    # The 1.5B model condensed this follow-up by deleting "it": retrieval then searched for any accelerator.
    history = [
        Turn(role="user", content="Is there an algorithm-hardware co-design for structured sparse training?"),
        Turn(role="assistant", content="Yes, a co-design with weight pruning and a sparse accelerator [1]."),
    ]
    follow_up = "Which accelerator hardware was it evaluated on?"
    assert leaves_reference_open("Which accelerator hardware was evaluated on?", follow_up, history)
    resolved = "Which accelerator hardware was the N:M sparse training co-design evaluated on?"
    assert not leaves_reference_open(resolved, follow_up, history)
