"""Evidence first: the sentences of the top papers most relevant to the question, in a token budget.

The small local model prefills at ~65 tokens/s on 2 cores, so it is given a compact numbered list of
evidence sentences instead of whole abstracts.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading

import numpy as np
import tiktoken

from rag.answer_types import Source
from rag.embedding import MiniLMEmbedding
from rag.paper import Paper
from rag.retrieve import SearchHit
from rag.text import split_sentences

EVIDENCE_TOKEN_BUDGET = 220
MAX_SENTENCES_PER_PAPER = 2
_MARKUP = re.compile(r"[<>]")
# Sentences addressed to a language model rather than describing research: never evidence.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|above)\b|"
    r"\b(you are|you must|as an ai|system prompt|respond only|reply only|answer only)\b",
    re.IGNORECASE,
)


def looks_like_instruction(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


@functools.cache
def token_encoder() -> tiktoken.Encoding:
    # cl100k ships inside llama-index-core's tiktoken cache, so this needs no download.
    return tiktoken.get_encoding("cl100k_base")


def count_prompt_tokens(text: str) -> int:
    return len(token_encoder().encode(text))


class SentenceIndex:
    """Sentence splits and embeddings of abstracts, computed once per paper and kept."""

    def __init__(self, embedder: MiniLMEmbedding) -> None:
        self.embedder = embedder
        self._cache: dict[str, tuple[list[str], np.ndarray]] = {}
        self._lock = threading.Lock()  # eval workers and UI sessions share one index

    def sentences(self, papers: list[Paper]) -> dict[str, tuple[list[str], np.ndarray]]:
        with self._lock:
            return self._sentences(papers)

    @staticmethod
    def _key(paper: Paper) -> str:
        return f"{paper.paper_id}:{hashlib.sha1(paper.abstract.encode()).hexdigest()}"  # re-ingest safe

    def _sentences(self, papers: list[Paper]) -> dict[str, tuple[list[str], np.ndarray]]:
        missing = list({self._key(p): p for p in papers if self._key(p) not in self._cache}.values())
        if missing:
            split = {self._key(p): split_sentences(p.abstract) for p in missing}
            flat = [s for p in missing for s in split[self._key(p)]]
            vectors = self.embedder.embed(flat)
            offset = 0
            for paper in missing:
                count = len(split[self._key(paper)])
                self._cache[self._key(paper)] = (split[self._key(paper)], vectors[offset : offset + count])
                offset += count
        return {p.paper_id: self._cache[self._key(p)] for p in papers}


def as_data(text: str) -> str:
    """Abstract text as inert data inside the <sources> wrapper: it can never close the wrapper."""
    return _MARKUP.sub(" ", text)


def select_evidence(
    question_vector: np.ndarray, hits: list[SearchHit], index: SentenceIndex, budget: int = EVIDENCE_TOKEN_BUDGET
) -> list[Source]:
    """Numbered sources (in retrieval order) with their best sentences, within `budget` prompt tokens."""
    papers = [h.paper for h in hits]
    per_paper = index.sentences(papers)
    candidates: list[tuple[float, int, int]] = []  # (score, paper position, sentence position)
    for position, paper in enumerate(papers):
        sentences, vectors = per_paper[paper.paper_id]
        if not sentences:
            continue
        scores = vectors @ question_vector
        usable = [i for i in np.argsort(-scores) if not looks_like_instruction(sentences[i])]
        for s_pos in usable[:MAX_SENTENCES_PER_PAPER]:
            candidates.append((float(scores[s_pos]), position, int(s_pos)))
    chosen: dict[int, list[tuple[int, float]]] = {}
    used = 0
    for score, position, s_pos in sorted(candidates, reverse=True):
        paper = papers[position]
        cost = count_prompt_tokens(per_paper[paper.paper_id][0][s_pos]) + (
            0 if position in chosen else count_prompt_tokens(paper.title) + 4
        )
        if used + cost > budget and chosen:
            continue
        used += cost
        chosen.setdefault(position, []).append((s_pos, score))
    sources = []
    for position in sorted(chosen):
        paper = papers[position]
        picked = sorted(chosen[position])  # keep the abstract's own order
        sources.append(
            Source(
                n=len(sources) + 1,
                paper_id=paper.paper_id,
                title=paper.title,
                date=paper.date,
                authors=paper.authors,
                upvotes=paper.upvotes,
                url=paper.url,
                abstract=paper.abstract,
                code_urls=paper.code_urls,
                evidence=[per_paper[paper.paper_id][0][s] for s, _ in picked],
                evidence_scores=[score for _, score in picked],
            )
        )
    return sources


def format_whole_abstracts(sources: list[Source]) -> str:
    """What the prompt would hold without evidence selection (for measuring what selection saves)."""
    return "\n\n".join(f"[{s.n}] {as_data(s.title)}\n{as_data(s.abstract)}" for s in sources)


def format_evidence(sources: list[Source]) -> str:
    blocks = []
    for source in sources:
        lines = [f"[{source.n}] {as_data(source.title)}"] + [f"- {as_data(s)}" for s in source.evidence]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
