"""The evidence sentence that states what a rejected answer sentence says, to quote in its place.

The 1.5B model often finds the right fact and words it badly: it echoes a long question around the
answer ("135 victim models were the adversarial attacks generated from in the model parsing dataset"),
or turns the paper's relation around ("NAFNet was plugged into the multi-head approach" where the
approach was evaluated on NAFNet). The entailment judge rightly rejects such sentences, and when it
rejects every sentence the question abstains although the evidence states the answer.

The *facts* of a rejected sentence are what it adds to the question: its content words and values the
question does not hold. When all of them stand in one evidence sentence, every added value next to a
word there that the rejected sentence binds it to, and bound in both to a word of the question
(`rag.attribution.bound_words`: "135 victim models" in both, not "a latency of 1.6%" where the evidence
reads "CER of 1.6%"), and
it names nothing that sentence and its paper's title do not spell (`rag.names.unknown_names`; a sentence
with a value must find there, whole, every name it repeats from the question), that
evidence sentence is what the model meant, and the paper's own words can be shown instead. A sentence
that adds nothing but the paper's title words (an echo), or a value the evidence gives for something
else, or a name the evidence lacks (what an invented answer to an unanswerable question usually does),
has nothing to quote. Sentences the answer's time limit left unchecked were not rejected, and are not
quoted for (`rag.pipeline`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rag.answer_types import Source
from rag.attribution import bound_words, content_stems
from rag.budget import strip_truncation
from rag.names import GENERIC_ACRONYMS, name_key, name_words, names_and_acronyms, unknown_names
from rag.text import stated_values, values_in


@dataclass(frozen=True)
class _Facts:
    """What a rejected sentence adds to the question: content words, values, and each value's bound words."""

    sentence: str
    words: frozenset[str]
    values: frozenset[str]
    bound: dict[str, frozenset[str]]
    asked: frozenset[str]  # the question's content words
    asked_names: frozenset[str]  # the names the sentence repeats from the question

    @classmethod
    def of(cls, sentence: str, question: str) -> _Facts:
        asked = content_stems(question)
        values = frozenset(stated_values(sentence) - stated_values(question))
        repeated = {name_key(w) for w in name_words(sentence)} & {name_key(w) for w in name_words(question)}
        names = frozenset(repeated - GENERIC_ACRONYMS)
        return cls(sentence, content_stems(sentence) - asked, values, bound_words(sentence), asked, names)

    def stated_by(self, evidence: str, title: str) -> bool:
        """Whether `evidence` (a sentence of the paper titled `title`) states all of them (see the module
        docstring)."""
        if not (self.words - content_stems(title) or self.values):
            return False  # it adds nothing of its own: an echo of the question, or of the paper's title
        if not (self.words <= content_stems(evidence) and self.values <= values_in(evidence)):
            return False
        if unknown_names(self.sentence, f"{title} {evidence}"):
            return False
        # A value is quoted only for the names it was given for: "83.0% for a ViT-H trained on DFN-2B" has
        # no quote in "a ViT-H trained on DFN-5B achieves 83.0%", although "DFN" and "2B" (of LAION-2B)
        # stand there apart (f14a-002, a near-miss question).
        if self.values and not self.asked_names <= names_and_acronyms(f"{title} {evidence}"):
            return False
        # The evidence gives each value for what the sentence does and the question asks about: a word next
        # to it there is bound to it here, and so is a word of the question bound to it in both.
        stated, nearest = bound_words(evidence), bound_words(evidence, width=1)
        return all(
            nearest.get(value, frozenset()) & self.bound.get(value, frozenset())
            and stated.get(value, frozenset()) & self.bound.get(value, frozenset()) & self.asked
            for value in self.values
        )


def quoted_evidence(rejected: Iterable[str], sources: list[Source], question: str) -> list[tuple[int, str]]:
    """For each rejected sentence in turn, the first evidence sentence (source number, text) of `sources`
    that states every fact the sentence adds to `question`; each evidence sentence is quoted once, and a
    sentence with none is skipped. `question` should hold every wording of the question (a follow-up
    and its standalone rewrite), so that words the user said count as asked, not as facts."""
    quoted: list[tuple[int, str]] = []
    for sentence in rejected:
        facts = _Facts.of(sentence, question)
        candidates = ((s.n, strip_truncation(text), s.title) for s in sources for text in s.evidence)
        found = next(((n, text) for n, text, title in candidates if facts.stated_by(text, title)), None)
        if found is not None and found not in quoted:
            quoted.append(found)
    return quoted


__all__ = ["quoted_evidence"]
