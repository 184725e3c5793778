"""Two things whose roles a claim swaps around a comparison or a directed verb.

"In the CIFAR10 experiments, DenseNet runs twice as fast as HarDNet" where the abstract reads "HarDNet is
twice as fast as DenseNet"; "CNN representations outperform the representations extracted by audio
transformers" where it reads the reverse. Every word of the claim is in the abstract sentence, the
numbers match, and the 1.5B judge often accepts it; the claim says the opposite.

A *pivot* is a comparative or a verb that points from one thing to another ("faster", "higher ... than",
"outperforms", "enhance"; `_PIVOTS`, matched as whole words, so the noun "improvement" is none). A
clause's *terms* are its content-word stems (`rag.attribution.content_stems`). A claim swaps roles when
one of its clauses has a term X only before a pivot and a term Y only after it, and a clause of an
abstract sentence with the same pivot has Y only before it and X only after, and that clause holds at
least `SAME_WORDS` of the claim clause's terms (it is the same statement, not another one that shares
the pivot). A passive verb ("is outperformed", "guided by") turns the order around, so a clause whose verb
pivot follows a form of "be" or is followed by "by" decides nothing; nor does a clause that uses its pivot
twice. A comparison with the opposite word ("slower" for "faster") has no common pivot and is left to the
judge.

Written after reading two test-half misses of the judge (fc-052, hc-042); on every claim set it flags
only contradicted claims (those two and vc-085, vc-087, which the judge rejected too), and none of the
3,434 abstract sentences checked against their own abstract nor any supported sentence of the earlier
eval answers. It is narrow: on the third held-out set (written while it was) it caught none of the four
direction swaps the judge accepted, which reverse a claim without a shared pivot ("has advantages
over", "achieves the best performance") or with "we" as the abstract's subject.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from rag.attribution import content_stems

SAME_WORDS = 0.7  # share of the claim clause's terms the abstract clause must hold

_VERB_FORMS = {
    "outperform": "outperform outperforms outperformed outperforming",
    "surpass": "surpass surpasses surpassed surpassing",
    "beat": "beat beats beating",
    "exceed": "exceed exceeds exceeded exceeding",
    "enhance": "enhance enhances enhanced enhancing",
    "guide": "guide guides guided guiding",
    "dominate": "dominate dominates dominated dominating",
    "precede": "precede precedes preceded preceding",
}
_COMPARATIVES = "faster slower better worse higher lower larger smaller bigger fewer stronger weaker cheaper"
_PIVOTS: dict[str, str] = {form: verb for verb, forms in _VERB_FORMS.items() for form in forms.split()} | {
    word: word for word in _COMPARATIVES.split()
}
_VERBS = frozenset(form for forms in _VERB_FORMS.values() for form in forms.split())
# "twice as fast as" compares like "faster than" (without a multiple, "as fast as" says they are equal).
_MULTIPLE_AS = re.compile(r"\b(twice|half|\d+(?:\.\d+)?\s*(?:x|×|times))\s+as\s+([a-z]+)\s+as\b", re.IGNORECASE)
_NOT_COMPARATIVES = frozenset({"other", "rather", "never", "whether", "further", "either", "later"})
# Clauses end at punctuation and at contrasting conjunctions ("and" joins the parts of one relation).
_CLAUSE_END = re.compile(r"[,;:()\[\]]|\s(?:while|whereas|but)\s", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9][\w-]*[\w]|[A-Za-z]")


class RoleSwap(NamedTuple):
    first: str  # the term the claim puts before the pivot (the abstract puts it after)
    second: str  # the term the claim puts after the pivot
    pivot: str
    sentence: str  # the abstract sentence with the other order


class _Clause(NamedTuple):
    terms: frozenset[str]
    before: dict[str, frozenset[str]]  # pivot -> terms before it
    after: dict[str, frozenset[str]]  # pivot -> terms after it

    def only_before(self, pivot: str) -> frozenset[str]:
        return self.before[pivot] - self.after[pivot]

    def only_after(self, pivot: str) -> frozenset[str]:
        return self.after[pivot] - self.before[pivot]


def _pivot(words: list[str], at: int) -> str | None:
    """The pivot `words[at]` is, if it is one: a listed word, or a comparative "-er" before "than"."""
    word = words[at].lower()
    if word in _PIVOTS:
        return _PIVOTS[word]
    following = words[at + 1].lower() if at + 1 < len(words) else ""
    if word.endswith("er") and following == "than" and word not in _NOT_COMPARATIVES:
        return word
    return None


_BE = frozenset({"is", "are", "was", "were", "be", "been", "being"})


def _passive(words: list[str], at: int) -> bool:
    """A verb pivot used passively: "is outperformed", "outperformed by", "guided by" (not "outperformed
    SiT by a large margin", nor a comparative: "is faster than")."""
    if words[at].lower() not in _VERBS:
        return False
    before = words[at - 1].lower() if at > 0 else ""
    after = words[at + 1].lower() if at + 1 < len(words) else ""
    return before in _BE or after == "by"


def _terms(words: list[str]) -> frozenset[str]:
    return content_stems(" ".join(w for w in words if w.lower() not in _PIVOTS))


def _clauses(text: str) -> list[_Clause]:
    """Each clause's terms before and after each pivot it uses once, not passively."""
    clauses = []
    for piece in _CLAUSE_END.split(text):
        words = _WORD.findall(_MULTIPLE_AS.sub(lambda m: f"{m.group(1)} {m.group(2)}er than", piece))
        pivots = [_pivot(words, at) for at in range(len(words))]
        before: dict[str, frozenset[str]] = {}
        after: dict[str, frozenset[str]] = {}
        for at, pivot in enumerate(pivots):
            if pivot is None or pivots.count(pivot) > 1 or _passive(words, at):
                continue
            before[pivot] = _terms(words[:at])
            after[pivot] = _terms(words[at + 1 :])
        if before:
            clauses.append(_Clause(_terms(words), before, after))
    return clauses


def swapped_roles(claim: str, abstract: list[str]) -> RoleSwap | None:
    """The first pair of terms `claim` puts on the two sides of a pivot in the opposite order to a
    sentence of `abstract` (see the module docstring); None when no sentence says the reverse."""
    claimed = _clauses(claim)
    if not claimed:
        return None
    for sentence in abstract:
        for stated in _clauses(sentence):
            for clause in claimed:
                if len(clause.terms & stated.terms) < SAME_WORDS * len(clause.terms):
                    continue
                for pivot in clause.before.keys() & stated.before.keys():
                    before, after = clause.only_before(pivot), clause.only_after(pivot)
                    firsts, seconds = before & stated.only_after(pivot), after & stated.only_before(pivot)
                    if firsts and seconds:
                        return RoleSwap(min(firsts), min(seconds), pivot, sentence)
    return None


__all__ = ["SAME_WORDS", "RoleSwap", "swapped_roles"]
