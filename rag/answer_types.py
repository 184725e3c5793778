"""The answer object returned by `ask()` and printed by `rag ask --json`, and a chat turn."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from rag.paper import Paper


class Turn(BaseModel):
    """One earlier message of a conversation (`history` of `ask()`)."""

    role: Literal["user", "assistant"]
    content: str


class AnswerSentence(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list, description="source numbers (1-based) that support it")
    supported: bool
    support: float = Field(description="best support score of the sentence against its cited sources (0..1)")


class Source(BaseModel):
    n: int
    paper_id: str
    title: str
    date: str | None
    authors: int | None
    upvotes: int | None
    url: str
    evidence: list[str]
    abstract: str = Field(exclude=True, repr=False)
    code_urls: list[str] = Field(default_factory=list, exclude=True)
    evidence_scores: list[float] = Field(default_factory=list, exclude=True)

    @classmethod
    def from_paper(
        cls, paper: Paper, n: int, evidence: list[str] | None = None, scores: list[float] | None = None
    ) -> Source:
        """Source number `n` for `paper`, with its evidence sentences and their scores."""
        return cls(
            n=n,
            paper_id=paper.paper_id,
            title=paper.title,
            date=paper.date,
            authors=paper.authors,
            upvotes=paper.upvotes,
            url=paper.url,
            abstract=paper.abstract,
            code_urls=paper.code_urls,
            evidence=evidence or [],
            evidence_scores=scores or [],
        )

    @property
    def evidence_score(self) -> float:
        return max(self.evidence_scores, default=0.0)

    @property
    def best_evidence(self) -> str:
        return self.evidence[self.evidence_scores.index(self.evidence_score)]


class Timings(BaseModel):
    retrieve_s: float = 0.0
    first_token_s: float | None = None
    total_s: float = 0.0


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    sentences: list[AnswerSentence]
    sources: list[Source]
    backend: str
    model: str
    timings: Timings
    standalone_question: str | None = Field(default=None, exclude=True)
    prompt_tokens: int = Field(default=0, exclude=True)
    completion_tokens: int = Field(default=0, exclude=True)
    dropped_citations: int = Field(default=0, exclude=True)
    draft: str = Field(default="", exclude=True, description="the generator's raw text, before verification")
    notice: str | None = Field(default=None, exclude=True, description="what the reader should know, e.g. a fallback")
    truncated: bool = Field(default=False, exclude=True, description="the generator's reply ended without a finish")

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)
