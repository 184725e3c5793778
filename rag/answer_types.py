"""The answer object returned by `ask()` and printed by `rag ask --json`, and a chat turn."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

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
    verdict: Literal["supported", "contradicted", "not_enough_info"] = Field(
        "not_enough_info", description="what the deciding source says of the sentence (default: from `supported`)"
    )
    evidence: str | None = Field(None, description="the abstract sentence that decided the verdict")
    left_out: str | None = Field(
        None, description="why a supported sentence was left out as off the question (in `Answer.off_topic` only)"
    )

    @model_validator(mode="before")
    @classmethod
    def _verdict_from_supported(cls, data: Any) -> Any:
        if isinstance(data, dict) and "verdict" not in data and data.get("supported"):
            return {**data, "verdict": "supported"}
        return data


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
    evidence_relevance: list[float] = Field(
        default_factory=list, exclude=True, description="evidence scores adjusted for the question's intent"
    )

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
    def text(self) -> str:
        """Title and abstract: everything a citation of this source can be checked against."""
        return f"{self.title} {self.abstract}"

    @property
    def evidence_score(self) -> float:
        return max(self.evidence_scores, default=0.0)

    @property
    def relevance(self) -> float:
        """The best intent-adjusted evidence score (the similarity when none was computed)."""
        return max(self.evidence_relevance, default=self.evidence_score)

    @property
    def best_evidence(self) -> str:
        """The evidence sentence that best gives what the question asks for."""
        scores = self.evidence_relevance or self.evidence_scores
        return self.evidence[scores.index(max(scores))]


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
    removed: list[AnswerSentence] = Field(
        default_factory=list,
        description="sentences of the draft left out because no source supports them (with their verdicts)",
    )
    off_topic: list[AnswerSentence] = Field(
        default_factory=list,
        description="supported sentences left out as off the question, each with its reason (`left_out`): citing "
        "another paper than the lead sentence and far less related to the question, citing no source that uses a "
        "name the question asks about, or not giving the number, name or comparison the question asks for "
        "(rag.relevance)",
    )
    answerability: float | None = Field(
        default=None, description="the LLM gate's probability that the sources state the answer (None: not asked)"
    )
    truncated: bool = Field(default=False, exclude=True, description="the generator's reply ended without a finish")

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)
