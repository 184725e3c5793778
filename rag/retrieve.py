"""Paper retrieval: a loaded index (`Searcher`) and the `Retriever` implementations that rank it.

Retrievers are registered by name (`RETRIEVERS`): `dense` (best chunk cosine from Chroma), `bm25`
(keyword scores over title + abstract) and `hybrid`, which fuses the two linearly:
`w * cosine + (1 - w) * bm25 / (bm25 + saturation)` (`retrieval.dense_weight`, `retrieval.bm25_saturation`).
Saturating BM25 keeps one rare-term match from swamping semantic similarity; this beat reciprocal-rank
fusion (k=60) on recall@5 and MRR on the dev set (see README).
"""

from __future__ import annotations

import math
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)
from pydantic import BaseModel

from rag.collapse import repeats_last
from rag.embedding import MiniLMEmbedding, embedder_for
from rag.errors import IndexNotFoundError, InputError
from rag.paper import Paper, paper_id_for
from rag.registry import Registry
from rag.remote import RemoteRecords
from rag.sentences import SentenceIndex
from rag.settings import RetrievalSettings, Settings
from rag.sparse import query_terms
from rag.state import IndexFiles
from rag.store import open_collection, vector_store
from rag.store_errors import guard_store, searcher_location, settings_location

# Words of questions *about* a paper collection that abstracts use as boilerplate ("In this paper...").
_QUESTION_META = re.compile(
    r"\b(papers?|works?|stud(?:y|ies)|collection|approach(?:es)?|methods?|recent|research|"
    r"propose[sd]?|which|what|how|does|say|there|any|use[sd]?|one|models?)\b",
    re.IGNORECASE,
)


class SearchFilters(BaseModel):
    year_from: int | None = None
    year_to: int | None = None
    has_code: bool = False

    def active(self) -> bool:
        return self.year_from is not None or self.year_to is not None or self.has_code

    def accepts(self, paper: Paper) -> bool:
        if self.has_code and not paper.code_urls:
            return False
        if self.year_from is not None and (paper.year is None or paper.year < self.year_from):
            return False
        return not (self.year_to is not None and (paper.year is None or paper.year > self.year_to))

    def to_metadata_filters(self) -> MetadataFilters | None:
        """The same filters for Chroma (papers without a date carry year 0 and so fail any year bound)."""
        conditions = []
        if self.has_code:
            conditions.append(MetadataFilter(key="has_code", value=1, operator=FilterOperator.EQ))
        if self.year_from is not None:
            conditions.append(MetadataFilter(key="year", value=self.year_from, operator=FilterOperator.GTE))
        if self.year_to is not None:
            conditions.append(MetadataFilter(key="year", value=self.year_to, operator=FilterOperator.LTE))
            conditions.append(MetadataFilter(key="year", value=1, operator=FilterOperator.GTE))
        return MetadataFilters(filters=conditions) if conditions else None


class SearchHit(BaseModel):
    paper: Paper
    score: float
    dense_score: float | None = None  # best chunk's cosine similarity
    bm25_score: float | None = None
    dense_rank: int | None = None
    bm25_rank: int | None = None

    def summary(self) -> dict[str, object]:
        """The JSON shape of `rag search --json`."""
        p = self.paper
        return {
            "paper_id": p.paper_id,
            "title": p.title,
            "score": round(self.score, 6),
            "date": p.date,
            "authors": p.authors,
            "upvotes": p.upvotes,
            "url": p.url,
            "code_urls": p.code_urls,
            "dense_score": _round(self.dense_score),
            "bm25_score": _round(self.bm25_score),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _ranks(scores: dict[str, float]) -> dict[str, int]:
    ordered = sorted(scores, key=lambda pid: -scores[pid])
    return {pid: rank for rank, pid in enumerate(ordered, start=1)}


class Searcher:
    """An open index (model, Chroma collection, state database) searched many times.

    Nothing is loaded up front but the model: paper records and keyword scores are read from the state
    database (`rag.state`) per query, for the candidates only, so start-up and memory do not grow with
    the corpus and a running ingest's committed batches are visible at once. With a Chroma server the
    local database is a cache of the server's records, synced at most every `index.sync_interval_s`.
    """

    def __init__(self, settings: Settings | None = None, *, index_dir: str | Path | None = None) -> None:
        self.settings = (settings or Settings.load()).with_overrides({"index.dir": index_dir})
        self.files = IndexFiles(self.settings.index_dir)
        self.remote: RemoteRecords | None = None
        self._lock = threading.Lock()
        self._synced_at = 0.0
        if self.settings.index.chroma_url:
            self.remote = RemoteRecords(self.settings.index, self.files.root)
            self.refresh(force=True)
            if self.remote.fingerprint() is None:
                raise IndexNotFoundError(
                    f"no papers in collection {self.settings.index.collection!r} on {self.settings.index.chroma_url}; "
                    "run `rag ingest` first"
                )
        elif not self.files.exists():
            raise IndexNotFoundError(f"no index in {self.files.root}; run `rag ingest` first")
        self.files.db  # noqa: B018 - open (and migrate an old-format index) now, not in the first query
        self.embedder: MiniLMEmbedding = embedder_for(self.settings.index)
        self.sentence_index = SentenceIndex(self.embedder)
        self.store = vector_store(open_collection(self.settings.index, self.files.root))

    def refresh(self, force: bool = False) -> None:
        """Bring the local records up to date with the Chroma server (no-op for an embedded index)."""
        if self.remote is None:
            return
        if not force and time.monotonic() - self._synced_at < self.settings.index.sync_interval_s:
            return
        if not self._lock.acquire(blocking=force):
            return  # another thread is syncing right now
        try:
            self.remote.sync(self.files)
            self._synced_at = time.monotonic()
        finally:
            self._lock.release()

    def papers(self, paper_ids: Iterable[str]) -> dict[str, Paper]:
        """The committed papers among `paper_ids` (chunks of uncommitted papers are left out)."""
        return self.files.get_papers(paper_ids)

    def paper_count(self) -> int:
        return self.files.paper_count()

    def top_papers(self, limit: int) -> list[Paper]:
        """The most upvoted papers, for a corpus listing."""
        return self.files.top_papers(limit)

    def find_paper(self, key: str) -> Paper:
        """The indexed paper whose id or title is `key` (ids derive from the normalised title, so a title
        is found by its id); an `InputError` naming the closest title otherwise."""
        self.refresh()
        found = self.papers([key, paper_id_for(key)])
        if found:
            return next(iter(found.values()))
        hint = ""
        if query_terms(key):
            hits = self.search(key, k=1)
            hint = f"; the closest title is {hits[0].paper.title!r} ({hits[0].paper.paper_id})" if hits else ""
        raise InputError(f"no indexed paper has the id or title {key!r}{hint}")

    @guard_store(searcher_location)  # a Chroma server that went away: a clear RagError
    def search(
        self,
        query: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        mode: str | None = None,
        retrieval: RetrievalSettings | None = None,
    ) -> list[SearchHit]:
        """Top-`k` papers for `query` by the `mode` retriever (defaults: `retrieval.k`, `retrieval.mode`)."""
        if not query.strip():
            raise InputError("empty query: type what you are looking for")
        if not query_terms(_QUESTION_META.sub(" ", query)):
            raise InputError(
                f"{query.strip()[:80]!r} has no words to search for: name a topic, method, dataset or paper"
            )
        retrieval = retrieval or self.settings.retrieval
        self.refresh()
        retriever = RETRIEVERS.get(mode or retrieval.mode)(self, retrieval)
        return retriever.retrieve(query, k or retrieval.k, filters or SearchFilters())


class Retriever(ABC):
    """Ranks the papers of a loaded index for a query; registered in `RETRIEVERS` by `name`."""

    name: ClassVar[str]

    def __init__(self, index: Searcher, settings: RetrievalSettings) -> None:
        self.index = index
        self.settings = settings

    def depth(self, k: int) -> int:
        # Deep candidate lists: in hybrid fusion a paper missing from one list scores 0 there.
        return max(self.settings.min_depth, self.settings.depth_per_k * k)

    @abstractmethod
    def retrieve(self, query: str, k: int, filters: SearchFilters) -> list[SearchHit]: ...


RETRIEVERS: Registry[type[Retriever]] = Registry("retriever")


@RETRIEVERS.register("dense", "best chunk cosine similarity from Chroma")
class DenseRetriever(Retriever):
    name = "dense"

    def scores(self, query: str, filters: SearchFilters, depth: int) -> dict[str, float]:
        """paper id -> cosine of its best chunk, over the top `depth` chunks of committed papers."""
        vector = self.index.embedder.get_query_embedding(query)
        result = self.index.store.query(
            VectorStoreQuery(query_embedding=vector, similarity_top_k=depth, filters=filters.to_metadata_filters())
        )
        best: dict[str, float] = {}
        for node, similarity in zip(result.nodes, result.similarities or [], strict=False):
            paper_id = node.metadata.get("paper_id", "")
            cosine = 1.0 + math.log(max(similarity, 1e-12))  # ChromaVectorStore reports exp(-distance)
            best[paper_id] = max(best.get(paper_id, -1.0), cosine)
        committed = self.index.files.indexed_hashes(best)  # chunks of an ingest that has not committed yet
        return {pid: score for pid, score in best.items() if pid in committed}

    def retrieve(self, query: str, k: int, filters: SearchFilters) -> list[SearchHit]:
        dense = self.scores(query, filters, self.depth(k) * self.settings.dense_depth_factor)
        return _hits(self.index, dense, k, self.settings.repeat_window, dense=dense)


@RETRIEVERS.register("bm25", "BM25 keyword scores over title + abstract")
class BM25Retriever(Retriever):
    name = "bm25"

    def scores(self, query: str, filters: SearchFilters, depth: int) -> dict[str, float]:
        """paper id -> BM25 score, for the top `depth` papers with a positive score that pass `filters`."""
        return self.index.files.keyword_search(
            query_terms(_QUESTION_META.sub(" ", query)),
            depth,
            year_from=filters.year_from,
            year_to=filters.year_to,
            has_code=filters.has_code,
        )

    def retrieve(self, query: str, k: int, filters: SearchFilters) -> list[SearchHit]:
        sparse = self.scores(query, filters, self.depth(k))
        return _hits(self.index, sparse, k, self.settings.repeat_window, sparse=sparse)


@RETRIEVERS.register("hybrid", "dense and BM25 fused linearly (saturated BM25)")
class HybridRetriever(Retriever):
    name = "hybrid"

    def fuse(self, cosine: float | None, bm25: float | None) -> float:
        bm25 = bm25 or 0.0
        weight = self.settings.dense_weight
        return weight * (cosine or 0.0) + (1 - weight) * bm25 / (bm25 + self.settings.bm25_saturation)

    def retrieve(self, query: str, k: int, filters: SearchFilters) -> list[SearchHit]:
        depth = self.depth(k)
        dense_depth = depth * self.settings.dense_depth_factor
        dense = DenseRetriever(self.index, self.settings).scores(query, filters, dense_depth)
        sparse = BM25Retriever(self.index, self.settings).scores(query, filters, depth)
        fused = {pid: self.fuse(dense.get(pid), sparse.get(pid)) for pid in dense.keys() | sparse.keys()}
        return _hits(self.index, fused, k, self.settings.repeat_window, dense=dense, sparse=sparse)


def _hits(
    index: Searcher,
    scores: dict[str, float],
    k: int,
    repeat_window: int = 1,
    dense: dict[str, float] | None = None,
    sparse: dict[str, float] | None = None,
) -> list[SearchHit]:
    """The top `k` of `scores` as hits (ties broken by dense score), with each retriever's score and rank;
    among the top `k * repeat_window`, papers repeating a higher one's sentences go last
    (`rag.collapse`)."""
    dense, sparse = dense or {}, sparse or {}
    dense_ranks, sparse_ranks = _ranks(dense), _ranks(sparse)
    window = k * repeat_window
    ordered = sorted(scores, key=lambda pid: (-scores[pid], -dense.get(pid, -1.0)))[:window]
    papers = index.papers(ordered)  # only the records of the candidates are read
    if window > k:
        ordered = repeats_last(ordered, papers)
    ordered = ordered[:k]
    return [
        SearchHit(
            paper=papers[pid],
            score=scores[pid],
            dense_score=dense.get(pid),
            bm25_score=sparse.get(pid),
            dense_rank=dense_ranks.get(pid),
            bm25_rank=sparse_ranks.get(pid),
        )
        for pid in ordered
        if pid in papers
    ]


_searchers: dict[tuple, Searcher] = {}
_searchers_lock = threading.Lock()


@guard_store(settings_location)
def get_searcher(settings: Settings | None = None) -> Searcher:
    """A process-wide Searcher per index location, so the model and index load once (`clear_searchers()`)."""
    settings = settings or Settings.load()
    index = settings.index
    key = (settings.index_dir, index.chroma_url, index.collection, index.embed_threads, index.embed_batch_size)
    with _searchers_lock:
        if key not in _searchers:
            _searchers[key] = Searcher(settings)
        return _searchers[key]


def clear_searchers() -> None:
    """Forget every loaded index (tests; after an index directory was deleted)."""
    with _searchers_lock:
        _searchers.clear()


def search(
    query: str,
    k: int | None = None,
    *,
    settings: Settings | None = None,
    index_dir: str | Path | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    has_code: bool = False,
    mode: str | None = None,
) -> list[SearchHit]:
    """Top-`k` papers for `query`, each at most once, best first (defaults from `settings.retrieval`)."""
    overrides = {"index.dir": index_dir, "retrieval.mode": mode, "retrieval.k": k}  # validated: 1 <= k <= 200
    settings = (settings or Settings.load()).with_overrides(overrides)
    filters = SearchFilters(year_from=year_from, year_to=year_to, has_code=has_code)
    return get_searcher(settings).search(query, filters=filters, retrieval=settings.retrieval)
