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


def _evidence(index, ranker: str, question: str):
    settings = Settings.load(
        overrides={"generation.backend": "extractive", "index.dir": index, "evidence.first_paper_ranker": ranker}
    )
    return Pipeline(settings).gather_evidence(question, question)


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
