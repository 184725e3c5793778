"""A claim that turns one word of its source sentence into its opposite ("weak mobile devices" -> "powerful").

The 1.5B judge reads a faithful paraphrase with one adjective flipped as supported about one time in three
(held-out claims h9-012, h9-026: P(supported) 0.63 and 0.61). The flip is visible without it: the claim
says a word, the source sentence says that word's antonym followed by the same next word ("powerful
mobile" / "weak mobile"), and neither says the other's. The word lists are small on purpose (directions
of results: sizes, speeds, quality, change).

Comparisons are left to `rag.roles`: "A is slower than B" states "B is faster than A", so a flipped word
with "than" after it, or in a sentence that says "compared with", "versus" or "outperforms", decides
nothing here; nor does a word of the paper's title, which names the method ("Very Low Complexity").
On every labelled claim set it flags 13 of 513 contradicted claims, 1 of 582 supported ones and none
of 267 not-enough-info ones, and none of the 459 answer sentences shown in the twentieth and twenty-first
sessions' runs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

_PAIRS = """
weak strong|weak powerful|weaker stronger|small large|small big|smaller larger|smaller bigger|low high|lower higher|
lowest highest|fast slow|faster slower|fastest slowest|better worse|best worst|increase decrease|increases decreases|
increased decreased|increasing decreasing|increase reduce|increases reduces|increased reduced|improve degrade|
improves degrades|improved degraded|improves hurts|improve hurt|more fewer|more less|easy hard|easier harder|
easy difficult|simple complex|simpler complex|shallow deep|shallower deeper|short long|shorter longer|
efficient inefficient|robust vulnerable|positive negative|above below|success failure|accurate inaccurate|
stable unstable|minimize maximize|minimizes maximizes|lightweight heavy|cheap expensive|gains losses|benefits harms|
helps hurts|rises falls|strengthens weakens|enlarges shrinks|accelerates slows|overestimate underestimate|
overestimates underestimates
"""


def _antonyms() -> dict[str, frozenset[str]]:
    pairs: dict[str, set[str]] = defaultdict(set)
    for pair in re.split(r"[|\n]", _PAIRS):
        if pair.strip():
            a, b = pair.split()
            pairs[a].add(b)
            pairs[b].add(a)
    return {word: frozenset(opposites) for word, opposites in pairs.items()}


ANTONYMS = _antonyms()
_COMPARING = frozenset({"compared", "versus", "vs"})


@dataclass(frozen=True)
class Flip:
    """A word of the claim whose antonym the source `sentence` says instead, before the same next word."""

    said: str
    source_word: str
    sentence: str


def _words(text: str) -> list[str]:
    return re.findall(r"[\w-]+", text.lower())


def _compares(words: list[str], at: int) -> bool:
    """Whether the word at `at` is part of a comparison (`rag.roles` decides those)."""
    word = words[at]
    return (
        "than" in words[at + 1 :]
        or word.startswith(("outperform", "underperform"))
        or (word in ("superior", "inferior") and words[at + 1 : at + 2] == ["to"])
    )


def flipped_word(claim: str, sentences: list[str], title: str = "") -> Flip | None:
    """The first word of `claim` that one of the source's `sentences` says as its antonym (see the module
    docstring), or None."""
    said, title_words = _words(claim), set(_words(title))
    claimed = set(said) | title_words
    if _COMPARING & set(said):
        return None  # "compared with", "versus": a comparison, `rag.roles` decides it
    for sentence in sentences:
        source = _words(sentence)
        present = set(source)
        for i, word in enumerate(said):
            if word in title_words or word in present or _compares(said, i):
                continue
            following = said[i + 1] if i + 1 < len(said) else None
            for opposite in ANTONYMS.get(word, frozenset()) - claimed:
                if following and any(
                    w == opposite and source[j + 1 : j + 2] == [following] for j, w in enumerate(source)
                ):
                    return Flip(word, opposite, sentence)
    return None


__all__ = ["ANTONYMS", "Flip", "flipped_word"]
