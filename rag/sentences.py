"""Abstract sentences and their embeddings, computed once per paper version and kept in memory."""

from __future__ import annotations

import hashlib
import threading

import numpy as np

from rag.embedding import MiniLMEmbedding
from rag.instructions import looks_like_instruction
from rag.paper import Paper
from rag.text import split_sentences


class SentenceIndex:
    """Sentence splits and embeddings of abstracts (without instruction-like sentences), computed once per paper."""

    def __init__(self, embedder: MiniLMEmbedding) -> None:
        self.embedder = embedder
        self._cache: dict[str, tuple[list[str], np.ndarray]] = {}
        self._lock = threading.Lock()  # eval workers and UI sessions share one index

    def sentences(self, papers: list[Paper]) -> dict[str, tuple[list[str], np.ndarray]]:
        with self._lock:
            return self._sentences(papers)

    @staticmethod
    def key(paper: Paper) -> str:
        """Cache key of `paper`: its id and a hash of its abstract, so a re-ingested version is read anew."""
        return f"{paper.paper_id}:{hashlib.sha1(paper.abstract.encode()).hexdigest()}"  # re-ingest safe

    def _sentences(self, papers: list[Paper]) -> dict[str, tuple[list[str], np.ndarray]]:
        missing = list({self.key(p): p for p in papers if self.key(p) not in self._cache}.values())
        if missing:
            # Sentences addressed to the reader or a model are neither evidence nor support for an answer.
            split = {
                self.key(p): [s for s in split_sentences(p.abstract) if not looks_like_instruction(s)] for p in missing
            }
            flat = [s for p in missing for s in split[self.key(p)]]
            vectors = self.embedder.embed(flat)
            offset = 0
            for paper in missing:
                count = len(split[self.key(paper)])
                self._cache[self.key(paper)] = (split[self.key(paper)], vectors[offset : offset + count])
                offset += count
        return {p.paper_id: self._cache[self.key(p)] for p in papers}
