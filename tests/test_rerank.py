"""e5-small picks the first paper's evidence sentences; the gates keep reading MiniLM's choice."""

from __future__ import annotations

import pytest

from rag.pipeline import Pipeline
from rag.rerank import E5SentenceRanker
from rag.settings import Settings

# (question, a word of the sentence that answers it, which MiniLM leaves out of the evidence shown)
CASES = [
    ("What is the memory cost of neural ODEs?", "constant memory cost"),
    ("Why do supervised ImageNet pre-trained models transfer worse to some downstream tasks?", "same class close"),
]


def _evidence(index, ranker: str, question: str, **evidence: float):
    overrides = {"generation.backend": "extractive", "index.dir": index, "evidence.first_paper_ranker": ranker}
    overrides |= {f"evidence.{key}": value for key, value in evidence.items()}
    return Pipeline(Settings.load(overrides=overrides)).gather_evidence(question, question)


def _shown(sources) -> str:
    return " ".join(text for source in sources for text in source.evidence).lower()


@pytest.mark.parametrize(("question", "answer"), CASES)
def test_e5_shows_the_sentence_that_answers(bundled_index, question, answer):
    minilm = _evidence(bundled_index, "minilm", question)
    e5 = _evidence(bundled_index, "e5", question)
    assert answer not in _shown(minilm.answer_sources)  # the case this reader exists for
    assert answer in _shown(e5.answer_sources)
    # The similarity gate and the abstention's listing read MiniLM's selection, whatever ranks the answer's.
    assert [(s.paper_id, s.evidence, s.evidence_scores) for s in e5.sources] == [
        (s.paper_id, s.evidence, s.evidence_scores) for s in minilm.sources
    ]
    assert [s.paper_id for s in e5.answer_sources] == [s.paper_id for s in minilm.answer_sources]


def test_e5_similarity_ranks_a_paraphrase_above_an_unrelated_sentence():
    ranker = E5SentenceRanker()
    sentences = ["The model needs constant memory, whatever the depth.", "We release a dataset of bird songs."]
    scores = ranker.similarity("paper:1", sentences, ["How much memory does the model use?"])
    assert scores.shape == (2,) and scores[0] > scores[1]
    again = ranker.similarity("paper:1", sentences, ["Which dataset of animal sounds is released?"])
    assert again[1] > again[0]  # the cached passages are scored against the new question


def test_a_question_asking_for_a_number_in_other_words_favours_sentences_with_numbers(bundled_index):
    """ "what certification speedup ...?" asks for a number without the "quantity" intent's words; the
    answer's ranking gives sentences with numbers the intent bonus anyway (f8-031, whose evidence used to
    hold three sentences about reusing certificates and none with "3x")."""
    question = (
        "When a randomly smoothed classifier is quantized or pruned, what certification speedup do you get by "
        "reusing the original model's guarantees instead of recertifying from scratch?"
    )
    assert "3x certification speedup" in _shown(_evidence(bundled_index, "e5", question).answer_sources)


def test_later_sentences_gain_the_position_bonus(bundled_index):
    """The sentence most like the question describes the work; the asked result comes late (f8-034: "eta^{ast}
    is well predicted as a power of depth times width" is the fifth of seven sentences)."""
    question = (
        "Which architectural quantity is the largest learning rate at which a randomly initialized "
        "fully-connected ReLU network can still start training well predicted by, as a power law?"
    )
    assert "depth times width" in _shown(_evidence(bundled_index, "e5", question).answer_sources)
    assert "depth times width" not in _shown(
        _evidence(bundled_index, "e5", question, position_bonus=0.0).answer_sources
    )
