"""Entailment judgments by an LLM: does quoted evidence support, contradict or not state a claim?

The judge asks for a one-word verdict and reads the probabilities of the reply's first token (one decode
step, no parsing of free text). The instructions sit in a fixed system prompt, so an OpenAI-compatible
server with a prompt cache (llama.cpp) prefills them once; only the evidence and the claim are new per
check. `supported` is decided by a probability threshold (`verification.entailment_threshold`), tuned on
the tuning split of `evals/verification/claims.jsonl` (`python -m evals.verifier_eval --split tune`).
When that probability is unsure (`verification.second_opinion`), a yes/no follow-up is asked in the same
chat (its prompt is the first call's, so it is prefilled from the cache), and the geometric mean of the two
decides (`Judgment.with_second_opinion`, threshold `verification.second_opinion_threshold`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from rag.direction import SideReading, read_sides
from rag.evidence import as_data
from rag.llm.client import LLMClient
from rag.prompts import load_prompt, render
from rag.roles import Comparison

Verdict = Literal["supported", "contradicted", "not_enough_info"]

# First tokens of the three answers, as the judge model spells them (lower-cased, stripped).
_PREFIXES: dict[Verdict, tuple[str, ...]] = {
    "supported": ("sup",),
    "contradicted": ("contr", "incompat"),
    "not_enough_info": ("un", "not", "nei", "insuff"),
}

# The verdicts as `prompts/entail_system.txt` names them.
_WORDS: dict[Verdict, str] = {"supported": "supported", "contradicted": "contradicted", "not_enough_info": "unstated"}


@dataclass(frozen=True)
class Judgment:
    """Normalised probabilities of the three verdicts (they sum to 1, or are all 0 if none was said)."""

    supported: float
    contradicted: float
    not_enough_info: float

    def verdict(self, threshold: float) -> Verdict:
        """`supported` when its probability reaches `threshold`, else the likelier of the other two."""
        if self.supported >= threshold:
            return "supported"
        return "contradicted" if self.contradicted > self.not_enough_info else "not_enough_info"

    @property
    def word(self) -> str:
        """The likeliest verdict as the judge's prompt spells it (what the model would have replied)."""
        verdict = max(_WORDS, key=lambda v: getattr(self, v))
        return _WORDS[verdict]

    def with_second_opinion(self, yes: float) -> Judgment:
        """This judgment with P(supported) replaced by the geometric mean of it and a second question's
        P("yes") (`EntailmentJudge.second_opinion`): both must lean to supported for the mean to. The
        other two keep their ratio, so an unsupported verdict stays the one the three-way question gave."""
        supported = math.sqrt(self.supported * yes)
        rest = self.contradicted + self.not_enough_info
        scale = (1 - supported) / rest if rest > 0 else 0.0
        return Judgment(supported, self.contradicted * scale, self.not_enough_info * scale)


def judgment_from_tokens(probabilities: dict[str, float]) -> Judgment:
    """Sum the probability of first tokens by the verdict they begin, then normalise."""
    mass = dict.fromkeys(_PREFIXES, 0.0)
    for token, probability in probabilities.items():
        for verdict, prefixes in _PREFIXES.items():
            if any(token.startswith(p) for p in prefixes):
                mass[verdict] += probability
                break
    total = sum(mass.values())
    if total <= 0:
        return Judgment(0.0, 0.0, 0.0)
    return Judgment(mass["supported"] / total, mass["contradicted"] / total, mass["not_enough_info"] / total)


def yes_probability(probabilities: dict[str, float]) -> float:
    """P("yes") among first tokens that begin "yes" or "no" (0 if the reply began with neither)."""
    yes = sum(p for token, p in probabilities.items() if token.startswith("y"))
    no = sum(p for token, p in probabilities.items() if token.startswith("n"))
    return yes / (yes + no) if yes + no > 0 else 0.0


def entailment_messages(claim: str, title: str, evidence: list[str]) -> list[dict[str, str]]:
    """The judge's chat: the fixed system prompt, then the evidence and the claim."""
    lines = "\n".join(f"- {as_data(s)}" for s in evidence)
    user = render("entail", title=as_data(title), evidence=lines, claim=as_data(claim))
    return [{"role": "system", "content": load_prompt("entail_system")}, {"role": "user", "content": user}]


class EntailmentJudge:
    """One LLM call per (claim, evidence) pair; see the module docstring.

    `client` may be a factory, called on the first judgment (so that merely assembling a pipeline does
    not start the local model's server)."""

    def __init__(self, client: LLMClient | Callable[[], LLMClient]) -> None:
        self._client = client
        self.calls = 0

    @property
    def client(self) -> LLMClient:
        if not isinstance(self._client, LLMClient):
            self._client = self._client()
        return self._client

    def judge(self, claim: str, title: str, evidence: list[str]) -> Judgment:
        self.calls += 1
        return judgment_from_tokens(self.client.first_token_choices(entailment_messages(claim, title, evidence)))

    def second_opinion(self, claim: str, title: str, evidence: list[str], first: Judgment) -> float:
        """P("yes") to a follow-up question in the same chat, asked when the three-way verdict `first` is
        unsure: the judge's verdict stays as its reply, then "does the evidence state every part of the
        claim?" (`prompts/entail_followup.txt`). The chat so far is the previous call's prompt, so a
        server with a prompt cache prefills only the verdict word and the question."""
        self.calls += 1
        messages = [
            *entailment_messages(claim, title, evidence),
            {"role": "assistant", "content": first.word},
            {"role": "user", "content": load_prompt("entail_followup")},
        ]
        return yes_probability(self.client.first_token_choices(messages))

    def which_side(self, comparison: Comparison, title: str, evidence: list[str]) -> SideReading:
        """Which side of `comparison` the evidence favours (`rag.direction.read_sides`: two calls)."""
        self.calls += 2
        return read_sides(self.client, comparison, title, evidence)


__all__ = ["EntailmentJudge", "Judgment", "Verdict", "entailment_messages", "judgment_from_tokens", "yes_probability"]
