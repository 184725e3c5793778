"""Merge copies of the same paper (same normalised title) from one or many files."""

from __future__ import annotations

from collections.abc import Iterable

from rag.paper import Paper


def _merge_pair(kept: Paper, other: Paper) -> Paper:
    def first(a: object, b: object) -> object:
        return a if a not in (None, "", []) else b

    return kept.model_copy(
        update={
            "abstract": max(kept.abstract, other.abstract, key=len),
            "authors": first(kept.authors, other.authors),
            "author_names": first(kept.author_names, other.author_names),
            "date": first(kept.date, other.date),
            "upvotes": max((v for v in (kept.upvotes, other.upvotes) if v is not None), default=None),
            "code_urls": list(dict.fromkeys(kept.code_urls + other.code_urls)),
            "categories": list(dict.fromkeys(kept.categories + other.categories)),
            "arxiv_id": first(kept.arxiv_id, other.arxiv_id),
            "sources": list(dict.fromkeys(kept.sources + other.sources)),
        }
    )


def deduplicate(papers: Iterable[Paper]) -> list[Paper]:
    """One paper per id (ids come from normalised titles), metadata merged, first-seen order kept."""
    unique: dict[str, Paper] = {}
    for paper in papers:
        seen = unique.get(paper.paper_id)
        unique[paper.paper_id] = paper if seen is None else _merge_pair(seen, paper)
    return list(unique.values())
