"""A difference read as a level, or a level read as a difference.

"The proposed model improves upon the baseline by ~ 5% in terms of classification accuracy" does not say
that the model "reaches a classification accuracy of ~ 5%" (f13a-011): the 1.5B model writes a gain as the
level it was measured from, and the 1.5B judge accepts it, since every word and number is there. The
reverse happens too: "achieving 71.7% top-1 accuracy" written as "improves accuracy by 71.7%".

Each number is read by the words around it: a *difference* when "by", "a gain/improvement/reduction of"
comes before it or "higher", "more", "fewer", "improvement", "reduction", "compression", "loss", "speedup"
(up to two words later) after it; a *level* when "of", "reaches", "achieves", "obtains", "scores",
"accuracy" comes before it and nothing marks it a difference; a multiplier ("3x", "15 times") is neither.
A sentence misreads a value when it states it only as a level and the abstract only as a difference, or the
other way round. A value read some other way anywhere ("from 60% to 65%", a bare "5%") decides nothing.

Replayed over every labelled claim of the seen sets (1,453) and every sentence of the latest saved
local-model answers (787), it flags 2 contradicted claims and 1 sentence already removed as contradicted,
and no supported claim or shown sentence.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from rag.text import NUMBER, number_value

Reading = Literal["difference", "level", "multiplier", "other"]

_HEDGE = r"(?:about|around|roughly|approximately|nearly|almost|over|more than|up to|as much as|~|≈)?\s*"
_DIFFERENCE_BEFORE = re.compile(
    r"\b(?:by|(?:gains?|improvements?|increases?|reductions?|drops?|decreases?|margins?|boosts?) of)\s*"
    + _HEDGE
    + r"$",
    re.IGNORECASE,
)
_DIFFERENCE_AFTER = re.compile(
    r"^\s*(?:%|percent|percentage points?|pp|points?)?\s*(?:[\w-]+\s+){0,2}?"
    r"(?:higher|lower|better|worse|more|less|fewer|improvements?|gains?|increases?|reductions?|decreases?|"
    r"drops?|boost|compression|savings?|loss|losses|speed-?ups?)\b",
    re.IGNORECASE,
)
_LEVEL_BEFORE = re.compile(
    r"\b(?:of|reach(?:es|ed|ing)?|achiev(?:e|es|ed|ing)|obtain(?:s|ed|ing)?|attain(?:s|ed|ing)?|"
    r"scor(?:e|es|ed|ing)|accuracy|yield(?:s|ed|ing)?)\s*(?:an?\s+|the\s+)?(?:\w+\s+){0,2}?(?:of\s+)?" + _HEDGE + r"$",
    re.IGNORECASE,
)
_MULTIPLIER_UNITS = frozenset({"x", "×", "times", "-fold"})
_MULTIPLIER_AFTER = re.compile(r"^\s*(?:x|×|times|-?fold)\b", re.IGNORECASE)


class MisreadDifference(NamedTuple):
    value: str  # the value (normalised, `rag.text.number_value`)
    claimed: Reading  # how the claim reads it
    stated: Reading  # how the abstract reads it
    sentence: str  # the abstract sentence stating it


def readings(text: str) -> dict[str, set[Reading]]:
    """How `text` reads each of its numbers: {normalised value: readings of its mentions}."""
    found: dict[str, set[Reading]] = {}
    for match in NUMBER.finditer(text):
        value = number_value(match.group(1))
        if value is None:
            continue
        before, after = text[max(0, match.start() - 60) : match.start()], text[match.end() : match.end() + 40]
        reading: Reading
        if (match.group(2) or "").lower() in _MULTIPLIER_UNITS or _MULTIPLIER_AFTER.search(after):
            reading = "multiplier"
        elif _DIFFERENCE_BEFORE.search(before) or _DIFFERENCE_AFTER.search(after):
            reading = "difference"
        elif _LEVEL_BEFORE.search(before):
            reading = "level"
        else:
            reading = "other"
        found.setdefault(value, set()).add(reading)
    return found


def misread_difference(claim: str, abstract: list[str]) -> MisreadDifference | None:
    """The first value `claim` states only as a level where every mention in `abstract` is a difference,
    or only as a difference where every mention is a level; None if there is none."""
    stated = readings(" ".join(abstract))
    for value, claimed in readings(claim).items():
        theirs = stated.get(value)
        if not theirs or len(claimed) != 1 or len(theirs) != 1:
            continue
        ours, their = next(iter(claimed)), next(iter(theirs))
        if {ours, their} == {"level", "difference"}:
            sentence = next((s for s in abstract if value in readings(s)), abstract[0])
            return MisreadDifference(value, ours, their, sentence)
    return None


__all__ = ["MisreadDifference", "misread_difference", "readings"]
