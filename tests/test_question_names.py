"""A question naming what no retrieved paper mentions abstains, and says which name (`rag.names`).

"How accurate is SGUQ on the ADNI cohort?" retrieves SGUQ's paper, which reports 0.858 on ROSMAP and
never mentions ADNI: every backend answered with the ROSMAP figure, a sentence the verifier rightly
accepts, so the near-miss question was answered. No retrieved paper spelling or shortening the name
("ViT" for "Vision Transformer"), the collection cannot state the asked fact.
"""

from __future__ import annotations

from pathlib import Path

from evals.questions import load_questions
from rag import ask
from rag.names import unspelled_question_names
from rag.pipeline import Pipeline
from rag.settings import Settings

ADNI = "How accurate is SGUQ on the ADNI cohort?"
QUESTIONS = Path(__file__).parent.parent / "evals" / "questions"


def test_names_no_text_spells_or_shortens_are_listed_as_written():
    assert unspelled_question_names(ADNI, ["SGUQ reaches 0.858 accuracy on ROSMAP."]) == ["ADNI"]
    either = "Which LLM was used on DAIC-WOZ, GPT-4 or Llama?"
    assert unspelled_question_names(either, ["Few-shot LLMs classify depression on DAIC-WOZ."]) == ["GPT-4", "Llama"]
    assert unspelled_question_names("How does ViT do on ImageNet?", ["A Vision Transformer on ImageNet."]) == []
    assert unspelled_question_names("What does ResNet-50 reach?", ["A residual network of 50 layers."]) == []
    assert unspelled_question_names("What did they find in 2019?", ["We study scaling."]) == []  # not a name
    scaling = ["Scaling Laws for Neural Language Models. We study empirical scaling laws for language models."]
    for pointer in ("Kaplan et al.", "the NeurIPS", "OpenAI's"):  # authors, venues and labs point at a paper
        assert unspelled_question_names(f"What did {pointer} paper on scaling laws find?", scaling) == []
    pines = "What accuracy on Indian Pines does it reach?"
    assert unspelled_question_names(pines, ["Hyperspectral images."]) == ["Indian Pines"]  # one name, as written


def test_a_question_naming_what_no_retrieved_paper_mentions_abstains_and_says_which(bundled_index):
    answer = ask(ADNI, backend="extractive", index_dir=bundled_index)
    assert answer.abstained and "ADNI" in answer.answer and answer.sentences == []
    assert any("SGUQ" in source.abstract for source in answer.sources)  # the related paper is listed
    without = ask("How accurate is SGUQ?", backend="extractive", index_dir=bundled_index)
    assert not without.abstained and "0.858" in without.answer
    off = Settings.load(overrides={"verification.require_known_question_names": False})
    answered = ask(ADNI, settings=off, backend="extractive", index_dir=bundled_index)
    assert not answered.abstained and "ROSMAP" in answered.answer  # what it said before the rule


def test_no_answerable_question_of_the_question_sets_names_what_its_papers_never_mention(bundled_index):
    pipeline = Pipeline(Settings.load(overrides={"generation.backend": "extractive", "index.dir": str(bundled_index)}))
    stopped = {}
    for name in ("dev", "fresh", "fresh2", "how_why", "terse"):
        for question in load_questions(QUESTIONS / f"{name}.jsonl"):
            if not question.answerable or question.history:
                continue
            sources = pipeline.gather_evidence(question.question, question.question).sources
            if unknown := unspelled_question_names(question.question, [s.text for s in sources]):
                stopped[question.qid] = unknown
    assert stopped == {}


def test_the_abstention_names_what_is_missing_where_the_similarity_gate_lets_the_question_through(bundled_index):
    question = "Which LLM was used for the few-shot depression classification on DAIC-WOZ, GPT-4 or Llama?"
    answer = ask(question, backend="extractive", index_dir=bundled_index)
    assert answer.abstained and "Llama" in answer.answer and answer.sources
