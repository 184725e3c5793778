"""A number the cited abstract gives for something else than the claim says.

"TTM cuts the number of learnable parameters by 54X" passes the number filter (54X is in the abstract)
and the 1.5B entailment judge, although the abstract reads "... a 14X cut in learnable parameters, 106X
less total parameters, and substantial reductions in fine-tuning (65X) and inference time (54X)".

Every number of a sentence is bound to the content words next to it: at most `WINDOW` on each side,
inside its clause (clauses end at , ; : brackets and "and", "while", "whereas", "but"; a clause of numbers
only, "(54X)", belongs to the one before), and a window stops at another number. Words bound to two
numbers say nothing and are ignored. A claimed number is misattributed when the words bound to it in the
claim share at least `MARGIN` more words with another number of the abstract sentence that states it
(one the claim does not state itself) than the whole claim shares with the claimed number's own words.
Nothing is decided where the numbers cannot be bound: a value several sentences state, a list ("5%, 3%
and 2%"), "respectively", or a value with no word of its own.

Chosen on the tune halves of the claim sets (`evals/verification/`): it flags 2 of the 38 contradicted
claims the number filter lets through (46 in all) and none of the 62 supported ones, nor any of 133 supported
sentences of earlier local-model answers to tune-half questions. Asking the 1.5B model instead which of
the sentence's numbers belongs in the blanked claim was near chance.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import NamedTuple

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

from rag.text import NUMBER, number_value

WINDOW = 3  # content words bound to a number on each side
MARGIN = 1  # how many more bound words the claim must share with another number

_STEMMER = Stemmer.Stemmer("english")
_STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | {"could", "may", "might", "must", "would"}  # NLTK's list, modals
_CLAUSE_END = re.compile(r"[,;:()\[\]]|\s(?:and|while|whereas|but)\s", re.IGNORECASE)
_LIST = re.compile(r"\d\s*(?:%|x|×)?\s*(?:,\s*(?:and|or)?|and|or)\s*\d", re.IGNORECASE)
# A word keeps its hyphenated digits ("ResNet-18", "CIFAR-10"): a name, not a value.
_TOKEN = re.compile(rf"(?P<number>{NUMBER.pattern})|(?P<word>[A-Za-z][\w-]*\w|[A-Za-z])", re.IGNORECASE)

Token = tuple[bool, str]  # (is a number, normalised value or word stem)


def _stem(word: str) -> str:
    word = word.lower()
    return word if "-" in word else _STEMMER.stemWord(word)


# Words any result sentence may use around any of its numbers.
_GENERIC_WORDS = """achieve achieves reach reaches obtain get gets improve improvement result results show shows
    up only model models method methods propose proposed approach paper our we"""
_GENERIC = frozenset(_stem(w) for w in _GENERIC_WORDS.split())


class Misattribution(NamedTuple):
    value: str  # the claimed value (normalised, `rag.text.number_value`)
    instead: str  # the value of the abstract sentence that the claim's words are bound to
    sentence: str  # the abstract sentence that states both


def _tokens(text: str) -> list[Token]:
    """Numbers and word stems in order; stopwords and generic result words dropped."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text.replace("\\%", "%")):
        if match.group("number"):
            digits = NUMBER.match(match.group("number"))
            if digits and (value := number_value(digits.group(1))) is not None:
                tokens.append((True, value))
            continue
        word = match.group("word")
        if len(word) > 1 and word.lower() not in _STOPWORDS and (stem := _stem(word)) not in _GENERIC:
            tokens.append((False, stem))
    return tokens


def _words(text: str) -> frozenset[str]:
    return frozenset(stem for is_number, stem in _tokens(text) if not is_number)


def _window(tokens: list[Token], at: int, step: int) -> list[str]:
    """Up to `WINDOW` words from the number at `at` in direction `step`, stopping at another number."""
    words: list[str] = []
    at += step
    while 0 <= at < len(tokens) and len(words) < WINDOW and not tokens[at][0]:
        words.append(tokens[at][1])
        at += step
    return words


@functools.lru_cache(maxsize=4096)
def bound_words(sentence: str) -> dict[str, frozenset[str]]:
    """Each value of `sentence` with the words bound to it (see the module docstring)."""
    clauses: list[list[Token]] = []
    for piece in _CLAUSE_END.split(sentence):
        tokens = _tokens(piece)
        if tokens and clauses and all(is_number for is_number, _ in tokens):
            clauses[-1].extend(tokens)
        else:
            clauses.append(tokens)
    bound: dict[str, set[str]] = {}
    for tokens in clauses:
        for at, (is_number, value) in enumerate(tokens):
            if is_number:
                bound.setdefault(value, set()).update(_window(tokens, at, -1), _window(tokens, at, 1))
    return {value: frozenset(words) for value, words in bound.items()}


def misattributed_number(claim: str, abstract: list[str], title: str = "") -> Misattribution | None:
    """The first number of `claim` that the abstract (its sentences) binds to other words than the
    claim's; None when every number checks out or cannot be bound.

    Evidence for the claimed value may stand anywhere in the claim (a paraphrase moves "On ImageNet, ..."
    to the front); evidence for another value must be bound to the claimed number in the claim itself.
    The words of the paper's `title` count for neither: they name the subject of all its numbers."""
    subject = _words(title)
    anywhere = _words(claim) - subject
    claimed = bound_words(claim)
    for value, near_in_claim in claimed.items():
        stating = [s for s in abstract if value in bound_words(s)]
        if len(stating) != 1 or _LIST.search(stating[0]) or "respectively" in stating[0].lower():
            continue
        bound = bound_words(stating[0])
        others = {v: words for v, words in bound.items() if v != value and v not in claimed}
        if not others or not bound[value]:
            continue
        ambiguous = {word for word, count in Counter(w for words in bound.values() for w in words).items() if count > 1}
        own = len(anywhere & (bound[value] - ambiguous))
        near = near_in_claim - subject
        instead, shared = max(((v, len(near & (words - ambiguous))) for v, words in others.items()), key=lambda o: o[1])
        if shared >= own + MARGIN:
            return Misattribution(value, instead, stating[0])
    return None


__all__ = ["MARGIN", "WINDOW", "Misattribution", "bound_words", "misattributed_number"]
