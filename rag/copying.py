"""Recognise an answer sentence that restates one abstract sentence word for word.

Small models often answer by copying an abstract sentence, with the paper's name in place of "we". Such a
sentence is entailed by its source without asking the LLM judge, which saves one judge call (~2 s on two
cores) per copied sentence. The rule is deliberately narrow, because one flipped or dropped word is how a
contradiction looks (`tests/test_copying.py`):

- the sentence's words contain a run of at least `MIN_RUN` consecutive words of the abstract sentence;
- every other word of the sentence is a subject word (the paper's title words, "the paper", "it"), a
  passive ending ("is presented") or a word of the abstract sentence itself, in any inflection ("reduces"
  for "reduce"), and none is a word that negates, hedges or compares (`RISK_WORDS`);
- the abstract sentence before the run holds no such word either, so the run is not cut out of "We do
  not find that ...", "Prior work claimed ...", "Unlike X, ...", "We hypothesise that ..."; only the
  words after a reason clause's opening ("because", "since", "as it") count, as the reason is asserted
  whatever the clause before says ("..., which is not suitable as it requires perfect knowledge of X");
- the abstract sentence does not go on with a condition ("... only when", "unless", "but").

Numbers are words here, so a changed number breaks the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MIN_RUN = 6


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that may stand for the paper as the subject of a copied sentence, or introduce the source's own.
SUBJECT_WORDS = _word_set(
    """a an the this that these our we they it its their authors author paper papers work study article
    approach method methods model models framework system technique proposed new novel here in to also
    further furthermore moreover additionally finally specifically first second then thus overall
    is are was were be able can results result experiments experimental show shows showed shown find
    finds found demonstrate demonstrates demonstrated present presents presented introduce introduces
    introduced propose proposes describe describes develop develops developed design designs designed
    called named dubbed which"""
)
TAIL_WORDS = _word_set("is are was were has have been presented proposed introduced described developed")
# Words that negate, hedge, attribute or compare: the meaning of a run of words depends on them.
RISK_WORDS = _word_set(
    """not no nor neither never none nothing without cannot don doesn didn isn aren wasn weren won couldn
    fail fails failed failing lack lacks lacking absent unable hardly rarely barely less fewer worse
    believe believed hypothesize hypothesise hypothesis hypothesized conjecture speculate may might could
    would should whether if suggest suggests suggested unclear question questions claimed claim claims
    assumed assume assumption commonly widely prior previous previously existing earlier conventional
    traditional typical typically contrary contrast unlike while whereas although though however but
    instead rather than compared versus vs despite other others baseline baselines"""
)
# An abstract sentence that continues with one of these restricts what the copied run says.
CONDITION_WORDS = _word_set("only unless if when whenever but except provided although though yet")
_STEM = 5  # "reduces" / "reduce", "enables" / "enabling": the same word for this purpose
_PRONOUNS = _word_set("it they this these that we such")


def _reason_start(words: list[str], end: int) -> int:
    """Where the last reason clause opening before `end` starts its words ("because", "since", "as" + a
    pronoun), or 0: what a sentence says after "because" it asserts, even after "not suitable"."""
    start = 0
    for at, word in enumerate(words[:end]):
        if word in ("because", "since") or (word == "as" and at + 1 < len(words) and words[at + 1] in _PRONOUNS):
            start = at + 1
    return start


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _longest_run(claim: list[str], source: list[str]) -> tuple[int, int, int]:
    """(start in claim, start in source, length) of the longest run of words the two share."""
    best = (0, 0, 0)
    previous = [0] * (len(source) + 1)
    for i in range(1, len(claim) + 1):
        current = [0] * (len(source) + 1)
        for j in range(1, len(source) + 1):
            if claim[i - 1] == source[j - 1]:
                current[j] = previous[j - 1] + 1
                if current[j] > best[2]:
                    best = (i - current[j], j - current[j], current[j])
        previous = current
    return best


def is_copy(claim: str, title: str, source_sentence: str) -> bool:
    """Whether `claim` restates `source_sentence` (of the paper titled `title`) word for word."""
    claim_words, source_words = words(claim), words(source_sentence)
    i, j, length = _longest_run(claim_words, source_words)
    if length < MIN_RUN:
        return False
    allowed = SUBJECT_WORDS | TAIL_WORDS | set(words(title))
    source_stems = {w[:_STEM] for w in source_words}
    others = claim_words[:i] + claim_words[i + length :]
    after = source_words[j + length : j + length + 2]
    return (
        all((w in allowed or w[:_STEM] in source_stems) and w not in RISK_WORDS for w in others)
        and not RISK_WORDS & set(source_words[_reason_start(source_words, j) : j])
        and not CONDITION_WORDS & set(after)
    )


def copied_from(claim: str, title: str, sentences: Iterable[str]) -> str | None:
    """The first of `sentences` that `claim` copies (`is_copy`), or None."""
    return next((s for s in sentences if is_copy(claim, title, s)), None)
