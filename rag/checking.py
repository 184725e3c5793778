"""`verify(text, papers)`: check text a researcher wrote against the papers it cites.

    from rag import verify
    for s in verify("Harmony speeds up training by up to 7.6x [1].", [{"title": ..., "abstract": ...}]):
        print(s.verdict, s.citations, s.evidence)

`[n]` in `text` cites `papers[n-1]`. The same verifier as `ask()` decides (`verification.verifier`;
unset: `entailment` with the configured LLM backend, `embedding` with `extractive`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rag.answer_types import AnswerSentence, Source
from rag.embedding import embedder_for
from rag.errors import InputError
from rag.generate import make_generator
from rag.judges import make_verifier
from rag.paper import Paper
from rag.sentences import SentenceIndex
from rag.settings import Settings


def as_paper(value: Paper | Mapping[str, Any], position: int) -> Paper:
    """A `Paper`, or one made from a dict with at least `title` and `abstract`."""
    if isinstance(value, Paper):
        return value
    if isinstance(value, Mapping):
        title, abstract = value.get("title"), value.get("abstract")
        if isinstance(title, str) and isinstance(abstract, str) and title.strip() and abstract.strip():
            return Paper.create(title, abstract)
    raise InputError(f"papers[{position}] must be a Paper or a dict with non-empty 'title' and 'abstract'")


def verify(
    text: str, papers: Sequence[Paper | Mapping[str, Any]], *, settings: Settings | None = None
) -> list[AnswerSentence]:
    """Every sentence of `text` with its verdict, surviving citations and deciding evidence sentence."""
    if not (text or "").strip():
        raise InputError("empty text: give sentences with [n] markers citing the papers")
    if isinstance(papers, str | bytes | Mapping) or not papers:
        raise InputError("papers must be a non-empty list: papers[n-1] is what [n] cites")
    settings = settings or Settings.load()
    sources = [Source.from_paper(as_paper(p, i), i + 1) for i, p in enumerate(papers)]
    embedder = embedder_for(settings.index)
    verifier = make_verifier(settings, embedder, SentenceIndex(embedder), make_generator(settings))
    return verifier.verify(text, sources).sentences


__all__ = ["as_paper", "verify"]
