"""Contrasting conditions a value is reported under: pre-training or fine-tuning, training or inference,
CPU or GPU, validation or test set, white-box or black-box, ...

A near-miss question asks for a value under one condition when the abstract reports it under the other
("How much faster is inference on a GPU?" where the abstract gives 3.1x on a CPU; "What word error rate on
the test set?" where it gives the validation set's). An answer sentence naming only the other condition
gives a true value for the wrong one.
"""

from __future__ import annotations

import re

# Each pair: two conditions, as patterns matched at the start of a word.
_PAIRS: tuple[tuple[str, str], ...] = (
    (r"pre-?train\w*", r"fine-?tun\w*"),
    (r"training\b|train(?:ed)?\b", r"inference\b|test(?:ing)?\b"),
    (r"cpus?\b", r"gpus?\b"),
    (r"validation\b", r"test sets?\b"),
    (r"white-?box\b", r"black-?box\b"),
    (r"online\b", r"offline\b"),
    (r"single-?gpu\b", r"multi-?gpus?\b"),
    (r"zero-?shot\b", r"few-?shot\b"),
)
_CONDITIONS = tuple(
    (re.compile(rf"(?<![\w-])(?:{one})", re.IGNORECASE), re.compile(rf"(?<![\w-])(?:{other})", re.IGNORECASE))
    for one, other in _PAIRS
)


def other_condition(sentence: str, *questions: str) -> bool:
    """Whether `sentence` names the contrasting condition of one that `questions` name, and not the asked
    one (a question naming both asks about both)."""
    asked = " ".join(questions)
    for one, other in _CONDITIONS:
        for wanted, contrast in ((one, other), (other, one)):
            if (
                wanted.search(asked)
                and not contrast.search(asked)
                and contrast.search(sentence)
                and not wanted.search(sentence)
            ):
                return True
    return False
