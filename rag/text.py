"""Sentence splitting and number extraction shared by evidence selection and verification."""

from __future__ import annotations

import re

# A sentence ends at . ! or ? followed by space and an upper-case letter, digit or quote; common
# abbreviations ("e.g.", "i.e.", "et al.", "Fig.") do not end one.
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATIONS = re.compile(r"(?:\b(?:e\.g|i\.e|et al|etc|vs|Fig|Eq|cf|approx|resp)\.)$", re.IGNORECASE)
# Hard cap on any text given to a splitter: ingest rejects longer abstracts first (index.max_abstract_chars,
# at most this), so only text that bypassed ingest (a hand-made Paper, an LLM reply) can ever reach it.
MAX_TEXT_CHARS = 1_000_000
# Not inside a word ("VGG16"), but after a multiplication sign ("compress by x63.6").
NUMBER = re.compile(r"(?:(?<![\w.])|(?<=(?<![\w.])[x×]))(\d+(?:[.,]\d+)*)(?:\s*(%|x|×|times|-fold))?", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Sentences of `text` (its first `MAX_TEXT_CHARS` characters)."""
    pieces = _BOUNDARY.split(text[:MAX_TEXT_CHARS].strip())
    sentences: list[str] = []
    for piece in pieces:
        if sentences and _ABBREVIATIONS.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        elif piece.strip():
            sentences.append(piece.strip())
    return sentences


def numbers_in(text: str) -> set[str]:
    """Numeric values (as normalised strings, e.g. "7.6", "1000") mentioned in `text`."""
    values = set()
    for match in NUMBER.finditer(text.replace("\\%", "%")):
        if (value := number_value(match.group(1))) is not None:
            values.add(value)
    return values


# Counts spelled as words ("four case studies"). "one" is left out: it is mostly a pronoun ("one of").
COUNT_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
_COUNT = re.compile(
    r"(?<![\w-])(?:(the|these|those|its|their|our|both|all)\s+)?(" + "|".join(COUNT_WORDS) + r")(?![\w-])",
    re.IGNORECASE,
)


def counts_in(text: str, referring: bool = True) -> set[str]:
    """Counts spelled as words, as digits ("four" -> "4"). Without `referring`, a count after "the",
    "these", "both", ... is left out: "the two methods" refers back to what was counted, it does not state
    a count a source must give ("a set of eight criteria" does)."""
    return {
        str(COUNT_WORDS.index(m.group(2).lower()) + 2) for m in _COUNT.finditer(text) if referring or not m.group(1)
    }


# Ranks and placings ("ranked first", "3rd place", "second position", "the fourth largest"); "the first
# to ..." is not one.
_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
_ORDINAL = r"(" + "|".join(_ORDINALS) + r"|\d+(?:st|nd|rd|th))"
_SUPERLATIVE = (
    r"largest|smallest|biggest|best|worst|highest|lowest|fastest|slowest|most|least|strongest|weakest|"
    r"longest|shortest|greatest"
)
_RANK = re.compile(
    rf"(?<![\w-])(?:(?:rank(?:ed|s|ing)?|plac(?:ed|es|ing)|finish(?:ed|es|ing)?|came|comes)\s+(?:in\s+)?(?:the\s+)?{_ORDINAL}"
    rf"|{_ORDINAL}[\s-]+(?:place|rank|position|spot|prize|{_SUPERLATIVE}))(?![\w-])",
    re.IGNORECASE,
)


def ranks_in(text: str) -> set[str]:
    """Ranks and placings `text` states, as "#n" ("ranked first" and "1st place" -> "#1")."""
    ranks = set()
    for match in _RANK.finditer(text):
        ordinal = (match.group(1) or match.group(2)).lower()
        ranks.add(f"#{_ORDINALS.index(ordinal) + 1}" if ordinal in _ORDINALS else f"#{int(ordinal[:-2])}")
    return ranks


def values_in(text: str) -> set[str]:
    """Every value `text` mentions: its numbers, spelled counts and ranks (what a source can be checked for)."""
    return numbers_in(text) | counts_in(text) | ranks_in(text)


def stated_values(text: str) -> set[str]:
    """The values `text` states: its numbers, its spelled counts (except counts that refer back) and ranks."""
    return numbers_in(text) | counts_in(text, referring=False) | ranks_in(text)


def number_value(digits: str) -> str | None:
    """The normalised value of a number's digits as `NUMBER` captures them ("1,000" -> "1000", "7.60" -> "7.6")."""
    try:
        return f"{float(digits.replace(',', '')):g}"
    except ValueError:
        return None


# A sentence that stops where its object or complement should be states nothing: "The authors of the paper
# are.", "The accelerator was evaluated on." A copula may end a sentence after a wh-word or "as" ("what
# candidate ads are", "exactly as is"), a preposition a relative or infinitive clause ("the lengths they were
# trained on", "music to soundtrack videos with", "and so on"); in a long sentence the clause may be one
# without an opener ("... of the data the benchmark was trained on"), so only short ones are read for it.
_SHORT = 15
_DANGLING = re.compile(r"\b(?:the|a|an|and|or|of|than|such as|including|namely)$", re.IGNORECASE)
_DANGLING_COPULA = re.compile(r"\b(?:is|are|was|were)$", re.IGNORECASE)
_DANGLING_PREPOSITION = re.compile(
    r"\b(?:on|in|for|with|from|by|at|into|about|between|via|using|against|across)$", re.IGNORECASE
)
_CLAUSE_OPENERS = re.compile(
    r"\b(?:what|which|who|how|where|when|whatever|as|it|they|this|that|there)\b", re.IGNORECASE
)
_RELATIVE_OPENERS = re.compile(
    r"\b(?:what|which|who|whom|whose|how|where|when|whatever|as|it|they|this|that|these|those|there|we|"
    r"he|she|to|so)\b",
    re.IGNORECASE,
)


def ends_mid_clause(sentence: str) -> bool:
    """Whether `sentence` stops before its object or complement ("... are.", "... such as.", "... run on.")."""
    text = re.sub(r"[\s.!?,;:]+$", "", sentence)
    if _DANGLING.search(text):
        return True
    if _DANGLING_COPULA.search(text):
        return not _CLAUSE_OPENERS.search(" ".join(text.split()[-6:-1]))
    if _DANGLING_PREPOSITION.search(text) and len(text.split()) <= _SHORT:
        return not _RELATIVE_OPENERS.search(" ".join(text.split()[-8:-1]))
    return False
