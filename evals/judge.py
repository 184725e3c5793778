"""Judges of whether passages support a claim, independent of the pipeline's own verifier.

The pipeline verifies with embedding similarity; the default judge here is lexical and deterministic,
so the two can disagree and the eval catches what the verifier lets through.

OfflineJudge: a claim is supported by passages when (1) at least 60% of its content-word stems
(English stopwords removed, Snowball-stemmed) occur in the passages (all of them when it has fewer than
three) and (2) every number in the claim occurs in the passages. Claims are the clauses of an answer
sentence split at ";".

LLMJudge: RAGAS-style: an LLM (any OpenAI-compatible endpoint) extracts atomic claims from a sentence
and answers yes/no whether the passages support each one.
"""

from __future__ import annotations

import functools
import re
from typing import Protocol

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from rag.llm.client import LLMClient
from rag.prompts import render
from rag.text import numbers_in

COVERAGE = 0.6
_WORD = re.compile(r"[a-z][a-z0-9\-]+")
_STOP = set(STOPWORDS_EN) | {"also", "using", "use", "used", "based", "show", "shows", "paper", "propose", "proposed"}


class Judge(Protocol):
    name: str

    def claims(self, sentence: str) -> list[str]: ...

    def supports(self, claim: str, passages: list[str]) -> bool: ...


@functools.cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def content_stems(text: str) -> set[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    return set(_stemmer().stemWords(words))


class OfflineJudge:
    name = "offline-lexical"

    def claims(self, sentence: str) -> list[str]:
        return [c.strip() for c in sentence.split(";") if content_stems(c)] or [sentence]

    def supports(self, claim: str, passages: list[str]) -> bool:
        if not passages:
            return False
        text = " ".join(passages)
        if not numbers_in(claim) <= numbers_in(text):
            return False
        wanted = content_stems(claim)
        if not wanted:
            return False
        covered = len(wanted & content_stems(text)) / len(wanted)
        return covered >= (1.0 if len(wanted) < 3 else COVERAGE)


class LLMJudge:
    def __init__(self, client: LLMClient) -> None:
        self.client = client
        self.name = f"llm:{client.model}"

    def claims(self, sentence: str) -> list[str]:
        reply = self.client.complete(
            [{"role": "user", "content": render("judge_claims", sentence=sentence)}], max_tokens=200
        )
        claims = [line.strip(" -•*\t") for line in reply.splitlines()]
        return [c for c in claims if len(c) > 3] or [sentence]

    def supports(self, claim: str, passages: list[str]) -> bool:
        if not passages:
            return False
        prompt = render("judge_support", passages="\n\n".join(passages), claim=claim)
        reply = self.client.complete([{"role": "user", "content": prompt}], max_tokens=3)
        return reply.strip().lower().startswith("yes")
