"""Judges of whether passages support a claim, independent of the pipeline's own verifier.

The pipeline verifies with embedding similarity; the default judge here is lexical and deterministic,
so the two can disagree and the eval catches what the verifier lets through.

OfflineJudge: a claim is supported by passages when (1) at least 60% of its content-word stems
(English stopwords removed, Snowball-stemmed) occur in the passages (all of them when it has fewer than
three) and (2) every number in the claim occurs in the passages. Claims are the clauses of an answer
sentence split at ";".

EntailmentJudge (the default when the embedded model is installed): the LLM (by default the embedded
local model) is asked, with its own prompt (`prompts/judge_entail.txt`), whether the passages fully
support a claim, and counts it supported only if the probability of a reply beginning "yes" (among "yes"
and "no") reaches `SUPPORT_THRESHOLD` (0.6: chosen on 158 labelled claims of heldout10-12 and heldout13's
tune half, where it raised agreement from 0.886 at 0.5, the greedy reply, to 0.918); a claim stating a number
the passages never state is not supported, without asking (`NUMBER_RULE`: on 45 claims its prompt never
saw, the model said "yes" to all three claims with a changed number). Unlike the lexical judge
it can tell a contradicted sentence (one word flipped) from a supported one. It also judges whether an
answer gives what was asked (`answers`, `prompts/judge_answers.txt`). It never sees the pipeline's
verdicts: it reads only the answer text, its citations and the abstracts. `evals.judge_agreement`
measures it against the hand-labelled claims, and every report prints that agreement.

LLMJudge: RAGAS-style: an LLM (any OpenAI-compatible endpoint) extracts atomic claims from a sentence
and answers yes/no whether the passages support each one.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Protocol

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from rag.budget import cap_tokens
from rag.entailment import yes_probability
from rag.llm.client import LLMClient
from rag.prompts import render
from rag.text import numbers_in

COVERAGE = 0.6
# Part of the entailment judge's fingerprint (`evals.judge_agreement`): its figures change with this rule.
NUMBER_RULE = "numbers-present"
JUDGE_PASSAGE_TOKENS = 2500  # all passages of one entailment question together
# P("yes") an entailment judgment needs (part of the fingerprint too); "does it answer?" keeps the greedy 0.5.
SUPPORT_THRESHOLD = 0.6
_WORD = re.compile(r"[a-z][a-z0-9\-]+")
_STOP = set(STOPWORDS_EN) | {"also", "using", "use", "used", "based", "show", "shows", "paper", "propose", "proposed"}


class Judge(Protocol):
    name: str

    def claims(self, sentence: str) -> list[str]: ...

    def supports(self, claim: str, passages: list[str]) -> bool: ...


def semicolon_claims(sentence: str) -> list[str]:
    """The clauses of a sentence split at ';' (the sentence itself when none has content words)."""
    return [c.strip() for c in sentence.split(";") if content_stems(c)] or [sentence]


@functools.cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def content_stems(text: str) -> set[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    return set(_stemmer().stemWords(words))


class OfflineJudge:
    name = "offline-lexical"

    def claims(self, sentence: str) -> list[str]:
        return semicolon_claims(sentence)

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


class EntailmentJudge:
    """Yes/no entailment by an LLM with the judge's own prompts; answers are memoised (temperature 0)."""

    def __init__(self, client: LLMClient) -> None:
        self.client = client
        self.name = f"entailment:{client.model}"
        self._memo: dict[tuple[str, ...], bool] = {}
        self._lock = threading.Lock()

    def claims(self, sentence: str) -> list[str]:
        return semicolon_claims(sentence)

    def _yes(self, key: tuple[str, ...], prompt: str, threshold: float = 0.5) -> bool:
        """Whether P("yes") of the reply's first token (`rag.entailment.yes_probability`) reaches `threshold`."""
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        choices = self.client.first_token_choices([{"role": "user", "content": prompt}])
        verdict = yes_probability(choices) >= threshold
        with self._lock:
            self._memo[key] = verdict
        return verdict

    def supports(self, claim: str, passages: list[str]) -> bool:
        if not passages:
            return False
        if not numbers_in(claim) <= numbers_in(" ".join(passages)):
            return False  # NUMBER_RULE: the 1.5B judge reads "48.2%" and "84.2%" as the same kind of thing
        # Bounded to fit the judge's context: an abstract can be very long, and a sentence may cite several.
        each = max(200, JUDGE_PASSAGE_TOKENS // len(passages))
        joined = "\n\n".join(cap_tokens(p, each) or "" for p in passages)
        prompt = render("judge_entail", passages=joined, claim=claim)
        return self._yes(("supports", claim, joined), prompt, SUPPORT_THRESHOLD)

    def answers(self, question: str, answer: str) -> bool:
        """Whether `answer` gives what `question` asks for (not only its topic)."""
        return self._yes(("answers", question, answer), render("judge_answers", question=question, answer=answer))
