"""Which side of a comparison the evidence favours, asked as a reading-comprehension question.

The 1.5B entailment judge does not track the direction of a comparison: it calls "B is slower than A"
contradicted where the abstract says "A is faster than B", and accepts "B beats A" where the abstract
says A beats B about as often as the correct claim. Asked instead "according to the evidence, which is
faster? A: ... B: ... C: the evidence does not compare them", the same model reads the direction well:
on `evals/verification/direction_claims.jsonl` (51 claims the parser finds a comparison in) the side it
favours by at least 0.2 was the claim's for 13 correct comparisons and no reversed one, and the other
side for 19 reversed comparisons and no correct one. The question is asked with the two sides in both
orders and the letters' probabilities averaged, which cancels the model's preference for the first
option. The claim's sides come from `rag.roles.comparison`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.evidence import as_data
from rag.llm.client import LLMClient
from rag.prompts import load_prompt, render
from rag.roles import Comparison


@dataclass(frozen=True)
class SideReading:
    """How the evidence answers a comparison's question: the probability that it favours the claim's
    leading side, the other side, or neither (each the mean over both option orders)."""

    leading: float
    other: float
    neither: float

    @property
    def margin(self) -> float:
        """How much more the evidence favours the claim's side than the other one (-1 to 1)."""
        return self.leading - self.other


def direction_messages(
    comparison: Comparison, title: str, evidence: list[str], *, flipped: bool
) -> list[dict[str, str]]:
    """The question's chat, with the claim's leading side as option A (as B when `flipped`)."""
    first, second = (comparison.other, comparison.leading) if flipped else (comparison.leading, comparison.other)
    user = render(
        "direction",
        title=as_data(title),
        evidence="\n".join(f"- {as_data(s)}" for s in evidence),
        question=comparison.question,
        first=as_data(first),
        second=as_data(second),
    )
    return [{"role": "system", "content": load_prompt("direction_system")}, {"role": "user", "content": user}]


def _letters(probabilities: dict[str, float]) -> tuple[float, float, float]:
    """Normalised probabilities of the replies whose first token is the letter "A", "B" or "C" (with or
    without ":", ")" or "."); all 0 if none was said."""
    mass = {letter: sum(p for token, p in probabilities.items() if token.strip(":).") == letter) for letter in "abc"}
    total = sum(mass.values())
    return (mass["a"] / total, mass["b"] / total, mass["c"] / total) if total > 0 else (0.0, 0.0, 0.0)


def read_sides(client: LLMClient, comparison: Comparison, title: str, evidence: list[str]) -> SideReading:
    """Ask which side `evidence` favours, once in each option order (two calls; the second shares the
    first's prompt up to the options, which a server with a prompt cache prefills once)."""
    a, b, c = _letters(client.first_token_choices(direction_messages(comparison, title, evidence, flipped=False)))
    b2, a2, c2 = _letters(client.first_token_choices(direction_messages(comparison, title, evidence, flipped=True)))
    return SideReading((a + a2) / 2, (b + b2) / 2, (c + c2) / 2)


__all__ = ["SideReading", "direction_messages", "read_sides"]
