"""BM25 over whole papers (title + abstract) with bm25s, persisted beside the Chroma index."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from rag.paper import Paper

_STEMMER = Stemmer.Stemmer("english")


def paper_text(title: str, abstract: str) -> str:
    return f"{title}\n{title}\n{abstract}"  # title twice: it is the densest description of a paper


class SparseIndex:
    """A bm25s index plus the paper ids of its rows and a stamp of the state it was built from."""

    def __init__(self, retriever: bm25s.BM25, paper_ids: list[str], stamp: str) -> None:
        self.retriever = retriever
        self.paper_ids = paper_ids
        self.stamp = stamp

    @classmethod
    def build(cls, paper_ids: list[str], texts: list[str], stamp: str) -> SparseIndex:
        retriever = bm25s.BM25()
        if texts:
            tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_STEMMER, show_progress=False)
            retriever.index(tokens, show_progress=False)
        return cls(retriever, paper_ids, stamp)

    @classmethod
    def from_papers(cls, papers: Mapping[str, Paper], stamp: str) -> SparseIndex:
        """The index of `papers` (paper id -> paper), rows in paper-id order."""
        ids = sorted(papers)
        return cls.build(ids, [paper_text(papers[i].title, papers[i].abstract) for i in ids], stamp)

    def save(self, directory: Path) -> None:
        """Write to a temporary folder, then swap it in, so a reader never sees half an index."""
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.paper_ids:
            self.retriever.save(str(tmp))
        (tmp / "rows.json").write_text(json.dumps({"stamp": self.stamp, "paper_ids": self.paper_ids}))
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> SparseIndex | None:
        rows_file = directory / "rows.json"
        if not rows_file.exists():
            return None
        rows = json.loads(rows_file.read_text())
        retriever = bm25s.BM25.load(str(directory)) if rows["paper_ids"] else bm25s.BM25()
        return cls(retriever, rows["paper_ids"], rows["stamp"])

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for `query` (zeros when no query term is in the vocabulary)."""
        tokens = query_terms(query)
        if not self.paper_ids or not tokens:
            return np.zeros(len(self.paper_ids), dtype=np.float32)
        return np.asarray(self.retriever.get_scores(tokens), dtype=np.float32)


def query_terms(query: str) -> list[str]:
    """The stemmed search terms of `query` (English stopwords, punctuation and emoji dropped)."""
    return bm25s.tokenize([query], stopwords="en", stemmer=_STEMMER, show_progress=False, return_ids=False)[0]
