"""Results that repeat a higher-ranked paper's sentences word for word go after the others.

A collection gathered from several dumps holds the same work more than once (a preprint and its
camera-ready version under another title, a workshop paper and its journal version), and each copy takes a
place in the top k that a different paper could have had. A paper sharing a sentence of at least
`MIN_WORDS` words with a paper ranked above it is moved after the papers that share none, in its own
order. No two of the 400 bundled abstracts share such a sentence, so there this changes nothing.
"""

from __future__ import annotations

from rag.copying import words
from rag.paper import Paper
from rag.text import split_sentences

MIN_WORDS = 8  # shorter sentences ("Code is available online.") recur across unrelated papers


def _long_sentences(paper: Paper) -> set[tuple[str, ...]]:
    """The abstract's sentences of at least `MIN_WORDS` words, as lower-cased word tuples."""
    sentences = (tuple(words(s)) for s in split_sentences(paper.abstract))
    return {s for s in sentences if len(s) >= MIN_WORDS}


def repeats_last(ranked: list[str], papers: dict[str, Paper]) -> list[str]:
    """`ranked` paper ids with each one that shares a long sentence with an earlier one moved to the end."""
    seen: set[tuple[str, ...]] = set()
    distinct, repeats = [], []
    for paper_id in ranked:
        paper = papers.get(paper_id)
        sentences = _long_sentences(paper) if paper is not None else set()
        (repeats if sentences & seen else distinct).append(paper_id)
        seen |= sentences
    return distinct + repeats
