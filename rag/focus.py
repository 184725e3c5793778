"""Answer from one paper when the question asks about one paper and retrieval agrees.

Given the top five papers, a small model pads an answer about one paper with related sentences from the
others ("Which method uses self-attention for click-through prediction?" gets AutoInt, then a sentence
on ARM-Net). When the question asks about one work (no plural "papers", "methods", "surveys", no
comparison; "the two techniques it introduces", "existing methods" and "which datasets" are one
paper's) and the first paper's retrieval score clearly leads (the second's is below
`evidence.focus_ratio` of it) and the best evidence sentence is also the first paper's, the evidence is
drawn from the first paper alone. So is it when the question names something (a method, model or dataset
name, `rag.names`) that the first paper uses and no other retrieved paper does, and names nothing that
only another one uses ("How much GPU memory does AugLocal save compared with backpropagation?" is about
AugLocal's paper, even though "compared" would otherwise keep every paper; a second paper reporting 45%
for its own method then cannot lend its number). Questions about several papers, and close calls, keep
every paper.
"""

from __future__ import annotations

import re

from rag.answer_types import Source
from rag.names import names_in, words_in
from rag.retrieve import SearchHit

# Cues that a question wants several papers: always, these words ("which papers", "other methods").
_KINDS = r"approaches|methods|techniques|algorithms|frameworks|architectures|systems|models|benchmarks|datasets"
_SEVERAL_PAPERS = re.compile(
    r"\b(papers|works|studies|articles|surveys|reviews|alternatives?|others|several|various|which of|any of|"
    rf"list|recent|collection|other\s+(?:[\w-]+\s+){{0,2}}(?:{_KINDS}))\b",
    re.IGNORECASE,
)
# A plural kind of work ("what methods ...") also asks for several, unless it is one paper's own list or
# its baselines: "the two augmentation techniques introduced", "existing rehearsal methods".
_KIND_OF_WORK = re.compile(r"\b(approaches|methods|techniques|algorithms|frameworks|architectures|systems)\b", re.I)
_ONE_PAPERS_OWN = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|\d+|existing|earlier|prior|previous|traditional|"
    r"classical|conventional|baseline|usual|standard|older|competing)\s+(?:[\w-]+\s+){0,3}"
    rf"(?:{_KINDS})\b",
    re.IGNORECASE,
)
# Cues of a comparison, which may be between papers or between one paper's method and a baseline.
_COMPARISON = re.compile(
    r"\b(compare[ds]?|comparison|compared|versus|vs\.?|differ|differs|difference|differences|both|either)\b",
    re.IGNORECASE,
)


def wants_several_papers(question: str) -> bool:
    """Whether `question` asks for several papers ("which papers", "what approaches", "other methods"); a
    count or baseline adjective before the plural ("the two techniques", "existing methods") is one
    paper's own, and "datasets"/"benchmarks" are what one paper is tested on."""
    return bool(_SEVERAL_PAPERS.search(question) or _KIND_OF_WORK.search(_ONE_PAPERS_OWN.sub(" ", question)))


def asks_about_one_paper(*questions: str) -> bool:
    """No cue, in any of `questions` (as asked and as condensed), that several papers are wanted or compared."""
    return not any(wants_several_papers(q) or _COMPARISON.search(q) for q in questions)


def names_only_the_first(hits: list[SearchHit], *questions: str) -> bool:
    """Whether `questions` name something `hits[0]` uses and no other hit does, and nothing that another
    hit uses but `hits[0]` does not."""
    names = frozenset().union(*(names_in(q) for q in questions))
    if not names or len(hits) < 2:
        return False
    first = words_in(f"{hits[0].paper.title} {hits[0].paper.abstract}")
    others = frozenset().union(*(words_in(f"{h.paper.title} {h.paper.abstract}") for h in hits[1:]))
    return bool(names & first - others) and not (names & others) - first


def answer_from_first(hits: list[SearchHit], sources: list[Source], ratio: float, *questions: str) -> bool:
    """Whether to answer from `hits[0]` alone: either the question asks about one paper, its retrieval
    score leads the second's by `ratio`, and the best evidence sentence among `sources` is its own; or
    the question names what only `hits[0]` uses and does not ask for several papers."""
    if ratio <= 0 or len(hits) < 2 or hits[0].score <= 0 or not sources:
        return False
    if names_only_the_first(hits, *questions) and not any(wants_several_papers(q) for q in questions):
        return True
    first = sources[0]
    return (
        hits[1].score < ratio * hits[0].score
        and first.paper_id == hits[0].paper.paper_id
        and first.evidence_score >= max(s.evidence_score for s in sources)
        and asks_about_one_paper(*questions)
    )
