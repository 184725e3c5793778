"""What a "how many" question counts, and what the counts in a sentence count.

"How many object categories are annotated in MAVREC?" answered with the abstract's true "1.1 million
annotated bounding boxes" gives a count, but of something else; so does "two collections of abstracts"
for "how many abstracts". A count's noun is the first words after the number, up to a preposition or
verb-like stop word ("1.1 million annotated bounding boxes" counts boxes, "135 victim models (configured
by ...)" models, "a 13-layer network" layers); "25 times" and "40 percent" count nothing. Nouns match when one
crude singular form starts the other, by the last part of a hyphenated noun ("sub-networks" are networks)
or by a small table of synonyms ("classes" for "categories", "checkpoints" for "models").
"""

from __future__ import annotations

import re

from rag.text import COUNT_WORDS, NUMBER

_NUMERAL = (
    r"(?:\d[\d,.]*(?:\s*(?:k|m|b|thousand|million|billion))?|"
    + "|".join(["one", *COUNT_WORDS])  # "one" too: "one of" ends at "of" and counts nothing
    + r"|dozens?|hundreds?|thousands?|millions?)"
)
# The number and the up to six words after it (a look-ahead, so "7 attack types generated from 135
# victim models" yields both counts).
_COUNTED = re.compile(rf"(?<![\w.-]){_NUMERAL}\b(?=((?:[\s-]+[\w()-]+){{1,6}}))", re.IGNORECASE)
# The word joined to a number by hyphens ("13-layer", "3--layer"): what it counts.
_ATTACHED = re.compile(r"-+\s*([^\s-]+)")
# What follows a number that makes it a multiplier or a share, not a count ("25 times fewer").
_NOT_A_COUNT = frozenset({"times", "fold", "percent", "orders", "order", "x"})
# Words that end the counted phrase: prepositions, verbs, articles and conjunctions between clauses.
_PHRASE_END_WORDS = (
    "of in on for with to from that which who were was are is be been by at as than per across using under "
    "over into their its the a an while when where but both each"
)
_PHRASE_END = frozenset(_PHRASE_END_WORDS.split())
_HOW_MANY = re.compile(r"\bhow many\s+(?=((?:[\w-]+\s*){1,5}))", re.IGNORECASE)
# Words after "how many" that are not the counted noun ("how many times faster", "how many fewer ...").
_NOT_THE_NOUN = frozenset({"times", "less", "fewer", "more", "this", "its", "his", "us", "thus", "plus"})
_PLURALS_WITHOUT_S = frozenset({"data", "people", "corpora", "criteria"})
_SYNONYMS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "category class type kind label",
        "image picture photo",
        "sample example instance item",
        "paper article work publication",
        "parameter weight",
        "dataset benchmark corpus corpora",
        "user participant subject people person",
        "question query",
        "model network checkpoint",
    )
)


def _singular(word: str) -> str:
    # Only a plural's ending: the Snowball stemmer `rag.attribution` uses would also make "annotated" match
    # "annotators" and "labeled" match "label", which a count's noun must not.
    word = word.lower()
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def same_noun(a: str, b: str) -> bool:
    """Whether two nouns name the same thing: one singular form is a prefix of the other, or synonyms; a
    hyphenated noun is also its last part ("sub-networks" and "sub-models" are networks and models)."""
    forms_a = {_singular(a), _singular(a.rsplit("-", 1)[-1])}
    forms_b = {_singular(b), _singular(b.rsplit("-", 1)[-1])}
    return any(
        x.startswith(y) or y.startswith(x) or any(x in group and y in group for group in _SYNONYMS)
        for x in forms_a
        for y in forms_b
    )


def asked_count_nouns(*questions: str) -> set[str]:
    """The nouns `questions` ask "how many" of: the first plural word after each "how many" ("how many
    GPU hours" -> "hours"); none for "how many of them" or "how many times faster"."""
    nouns = set()
    for question in questions:
        for match in _HOW_MANY.finditer(question):
            for word in match.group(1).lower().split():
                word = word.strip("?,.;:")
                if word == "of":
                    break
                if word in _NOT_THE_NOUN:
                    continue
                if word in _PLURALS_WITHOUT_S or (word.endswith("s") and not word.endswith("ss") and len(word) > 3):
                    nouns.add(word)
                    break
    return nouns


def counted_phrases(sentence: str) -> list[list[str]]:
    """For each number in `sentence` followed by words, the words of what it counts (lower case)."""
    phrases = []
    for match in _COUNTED.finditer(sentence):
        words: list[str] = []
        following = match.group(1)
        if following.startswith("-"):  # "13-layer architecture": a count of layers
            following = attached.group(1) if (attached := _ATTACHED.match(following)) else ""
        for raw in following.split():
            word = raw.strip(",.;:()").lower()
            if not word or word in _PHRASE_END or (not words and word in _NOT_A_COUNT):
                break
            if word in ("and", "or"):  # "32 deep and tree-based methods"
                continue
            words.append(word)
            if raw != raw.rstrip(",.;:)"):  # punctuation ends the phrase
                break
        if words:
            phrases.append(words)
    return phrases


def counts_something_else(sentence: str, nouns: set[str]) -> bool:
    """Whether `sentence` counts things, and none of its counts is of one of `nouns`."""
    phrases = counted_phrases(sentence)
    return bool(phrases) and not any(same_noun(word, noun) for words in phrases for word in words for noun in nouns)


_PERCENT_WORD = re.compile(r"\s*percent\b", re.IGNORECASE)
# "How many fewer parameters ...?" asks for a difference, which a share states ("69% fewer parameters").
_ASKS_DIFFERENCE = re.compile(r"\bhow many (?:fewer|more|less|times)\b", re.IGNORECASE)


def states_only_shares(sentence: str) -> bool:
    """Whether every number of `sentence` is a share or a multiplier ("a success rate between 95% and 100%",
    "up to 3x speedup") and it counts nothing (`counted_phrases`)."""
    # `rag.text.NUMBER` reads "%", "x", "times", "-fold" as the number's unit; a number hyphenated to a name
    # ("LeNet-5") is part of the name, not a value, and "224x224" is a size, not a multiplier.
    numbers = [m for m in NUMBER.finditer(sentence) if not sentence[: m.start()].endswith("-")]
    shares = [
        m
        for m in numbers
        if (m.group(2) and not sentence[m.end() : m.end() + 1].isdigit()) or _PERCENT_WORD.match(sentence, m.end())
    ]
    return bool(numbers) and len(shares) == len(numbers) and not counted_phrases(sentence)


def asks_for_a_count(*questions: str) -> bool:
    """Whether a "how many" question asks for a count (`asked_count_nouns`), not a difference ("how many
    fewer")."""
    return bool(asked_count_nouns(*questions)) and not any(_ASKS_DIFFERENCE.search(q) for q in questions)
