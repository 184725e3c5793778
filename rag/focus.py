"""Answer from one paper when the question asks about one paper and retrieval agrees.

Given the top five papers, a small model pads an answer about one paper with related sentences from the
others ("Which method uses self-attention for click-through prediction?" gets AutoInt, then a sentence
on ARM-Net). When the question asks about one work (no plural "papers", "methods", "surveys", no
comparison) and the first paper's retrieval score clearly leads (the second's is below
`evidence.focus_ratio` of it) and the best evidence sentence is also the first paper's, the evidence is
drawn from the first paper alone. Questions about several papers, and close calls, keep every paper.
"""

from __future__ import annotations

import re

from rag.answer_types import Source
from rag.retrieve import SearchHit

# Cues that a question wants several papers, or a comparison between them.
_SEVERAL = re.compile(
    r"\b(papers|works|studies|articles|surveys|reviews|approaches|methods|techniques|algorithms|"
    r"frameworks|architectures|systems|benchmarks|datasets|compare[ds]?|comparison|compared|versus|vs\.?|"
    r"differ|differs|difference|differences|both|either|alternatives?|others?|several|various|"
    r"which of|any of|each|list|recent|collection)\b",
    re.IGNORECASE,
)


def asks_about_one_paper(*questions: str) -> bool:
    """No cue, in any of `questions` (as asked and as condensed), that several papers are wanted."""
    return not any(_SEVERAL.search(q) for q in questions)


def answer_from_first(hits: list[SearchHit], sources: list[Source], ratio: float, *questions: str) -> bool:
    """Whether to answer from `hits[0]` alone: the question asks about one paper, its retrieval score leads
    the second's by `ratio`, and the best evidence sentence among `sources` is its own."""
    if ratio <= 0 or len(hits) < 2 or hits[0].score <= 0 or not sources:
        return False
    first = sources[0]
    return (
        hits[1].score < ratio * hits[0].score
        and first.paper_id == hits[0].paper.paper_id
        and first.evidence_score >= max(s.evidence_score for s in sources)
        and asks_about_one_paper(*questions)
    )
