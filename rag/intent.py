"""What a question asks for, and how well an abstract sentence gives it.

Similarity alone picks the sentence that restates the question: for "How does X avoid Y?" that is the
abstract's statement of problem Y, not X's method. So evidence scores get a small adjustment by intent:
a "how" question favours sentences that state a mechanism ("by", "via", "uses", ...), a "why" question
sentences that state a cause ("because", "due to", "attributable", ...), a "how much" question sentences
with numbers, a question asking what came out best ("Which method was the most reliable?") sentences
that state a finding ("we find", "results show", "the most"); for "how" and "why", sentences that only
set up the problem ("however", "remains challenging", "recent work") are disfavoured. Weights:
`evidence.intent_bonus` and `evidence.problem_penalty`, tuned on the tuning split of the how/why and dev
question sets; the finding, "utilizes", "key idea" and "recent work" cues were added on the tuning half
of `fresh.jsonl` (ninth session); stages and steps ("two-stage", "first ... then", "procedure") as method
cues, and "by what factor", "how many times" as asking for a number, on the tune half of `fresh11.jsonl`.
"""

from __future__ import annotations

import re
from typing import Literal

from rag.names import new_names
from rag.text import numbers_in

Intent = Literal["how", "why", "quantity", "other"]

_QUANTITY = re.compile(
    r"^\s*(how (much|many|large|big|fast|long|often)|"
    r"what (is|was|are|were) the (accuracy|score|number|speed|size|rate)|by how much|"
    r"what (accuracy|speedup|score|percentage|top-1|bleu|f1))\b|\b(what|which) (speedup|accuracy|score)\b",
    re.IGNORECASE,
)
_HOW = re.compile(
    r"^\s*(how (does|do|did|can|could|is|are|was|were|should)|in what way|by what means)\b|"
    r"\bwhat (simple )?(change|method|technique|mechanism|trick)\b",
    re.IGNORECASE,
)
# "What observation motivates X?", "What is the rationale for X?" ask for a reason too.
_WHY = re.compile(
    r"^\s*(why|what (causes|caused|explains|makes))\b|\bfor what reason\b|\bwhat motivat\w*|"
    r"\bwhat (\w+ ){0,2}(observations?|insights?|reasons?|motivations?|rationale) "
    r"(motivat\w*|le[ad]\w*|drives?|drove|prompt\w*|justif\w*|behind|for)\b|"
    r"\bwhat is the (motivation|reason|rationale)\b",
    re.IGNORECASE,
)

_MECHANISM = re.compile(
    r"\b(by|via|through|using|uses|use|leverag\w*|employ\w*|consist\w*|compris\w*|replac\w*|instead of|"
    r"transform\w*|treat\w*|insert\w*|predict\w*|learn\w*|bound\w*|split\w*|revers\w*|pool\w*|"
    r"encod\w*|decod\w*|randomly|dynamically|adaptively|which (is|are)|that (is|are)|utili[sz]\w*|"
    r"(key|main|core|central|underlying|basic) idea|stages?|steps?|first\w*|then|procedure|pipeline|"
    r"reli\w* on|rel(y|ies) on|based on|buil(d|ds|t) (up)?on|tools?)\b",
    re.IGNORECASE,
)
_CAUSE = re.compile(
    r"\b(because|due to|caus\w*|motivat\w*|attribut\w*|root cause|stem\w* from|result\w* (in|from)|lead\w* to|since|"
    r"owing to|explain\w*|vulnerab\w*|bias\w*|mismatch\w*|overfit\w*|disparit\w*|lack\w*|insufficien\w*|weak\w*)\b",
    re.IGNORECASE,
)
_PROBLEM = re.compile(
    r"\b(however|remains? (a )?(challenging|difficult|open)|is (still )?(a )?challeng\w*|"
    r"existing (methods|approaches|work)|previous (studies|work|methods)|prior (work|methods)|"
    r"has attracted|have attracted|in recent years|recently|recent (work|works|studies|research|advances)|"
    r"has become an? (\w+ )?(concern|challenge|problem|bottleneck)|is not scalable|suffer\w*)\b",
    re.IGNORECASE,
)


# A question asking what came out best ("Which method was the most reliable?", "What did they find?")
# is answered by a finding, which sentences announce ("we find", "results show", "the most").
_ASKS_FINDING = re.compile(
    r"\b(best|most|least|worst|outperform\w*|came out|did (they|the authors|the study) (find|show|conclude))\b",
    re.IGNORECASE,
)
_FINDING = re.compile(
    r"\b(we (find|found|show|observe)|our (findings|results|experiments) (show|demonstrate|indicate|reveal)|"
    r"according to our|results (show|demonstrate|indicate|suggest|reveal)|outperform\w*|the most|the best|superior)\b",
    re.IGNORECASE,
)


def asks_for_a_finding(question: str) -> bool:
    """Whether the question asks what came out best or what was found (`intent_adjustment`'s `finding`)."""
    return bool(_ASKS_FINDING.search(question))


# A question may set the scene first: "Once the model has been sparsified, how is it used ...?"
_LEADING_CLAUSE = re.compile(
    r"^[^,;?]{2,150}[,;]\s*(?=(how|why|what|which|in what way|by what means|by how much)\b)", re.IGNORECASE
)


def question_intent(question: str) -> Intent:
    """What `question` asks for, read from its main clause (a leading "For the X zone," is skipped)."""
    question = _LEADING_CLAUSE.sub("", question, count=1)
    if _QUANTITY.search(question):
        return "quantity"
    if _WHY.search(question):
        return "why"
    if _HOW.search(question):
        return "how"
    return "other"


def intent_adjustment(
    sentence: str,
    intent: Intent,
    bonus: float,
    penalty: float,
    finding: bool = False,
    asked_names: frozenset[str] | None = None,
) -> float:
    """What to add to a sentence's similarity score for a question of `intent`. For an "other" question:
    `finding` if it asks what came out best (`asks_for_a_finding`), and `asked_names` if it asks for a name
    (`asks_for_a_name`): the question's words and initials (`rag.names.question_names`),
    so that a sentence naming something else ("We implement the techniques using Z3") gets the bonus and one
    that only abbreviates the question's words ("NNs" for "neural nets") does not (`rag.names.new_names`)."""
    if intent == "quantity":
        return bonus if numbers_in(sentence) else 0.0
    if intent == "other":  # a bonus for each thing asked for that the sentence gives
        gives_finding = finding and bool(_FINDING.search(sentence))
        gives_name = asked_names is not None and bool(new_names(sentence, asked_names))
        return bonus * (gives_finding + gives_name)
    cue = _MECHANISM if intent == "how" else _CAUSE
    return (bonus if cue.search(sentence) else 0.0) - (penalty if _PROBLEM.search(sentence) else 0.0)


# Questions whose answer is a number ("what attack success rate does AdvEncoder achieve?", "how many
# bugs were fixed?"); wider than the "quantity" intent, which also steers evidence ranking and the gate.
_ASKS_NUMBER = re.compile(
    r"\b(how (many|much)|by how much|how (much )?(faster|slower|smaller|larger|fewer|more)|"
    r"what (\w+[ -]){0,3}(rate|accuracy|score|speed-?up|percentage|error|f1|bleu|top-1|throughput|"
    r"reduction|improvement|gain|fraction|share|ratio|number of|latency|runtime|proportion|margin)|"
    r"by what factor|how many times|"
    r"(what|which) (\w+ ){0,2}?values?"
    r"(?![\w-]| of (the )?(data|information)\b| (does|do|did) ([\w-]+ ){1,4}(add|bring)\b)|"
    r"in (milli|micro)?seconds|in (ms|percent|percentage points))\b",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|"
    r"millions?|billions?|twice|double[sd]?|triple[sd]?|half|halve[sd]?|quarter|\w+fold)\b",
    re.IGNORECASE,
)


def asks_for_a_number(*questions: str) -> bool:
    """Whether any of `questions` (as asked, as condensed) asks for a quantity."""
    return any(_ASKS_NUMBER.search(q) for q in questions)


# "Which datasets ...", "On which GPU ...", "What programming language ...": the answer is a name.
_ASKS_NAME = re.compile(
    r"\b(which|what)\s+((?!of\b)[\w-]+\s+){0,3}?(datasets?|benchmarks?|backbones?|optimi[sz]ers?|"
    r"(programming\s+)?languages?|librar(y|ies)|toolkits?|baselines?|hardware|gpus?|accelerators?|venues?|"
    r"conferences?|journals?|encoders?|pre-?trained\s+models?|language\s+models?|solvers?|tools?|"
    r"simulators?|compilers?|software|(software\s+)?platforms?|licen[cs]es?)\b",
    re.IGNORECASE,
)


def asks_for_a_name(*questions: str) -> bool:
    """Whether any of `questions` asks which dataset, backbone, optimizer, language, hardware, venue,
    licence, ... (a thing known by its name) was used."""
    return any(_ASKS_NAME.search(q) for q in questions)


# A number that is part of a name ("ResNet-20", "CIFAR-10", "ImageNet-1k", "top-1") or a count of
# dimensions ("2D/3D detectors") states no quantity.
_NAME_WITH_NUMBER = re.compile(r"\b[A-Za-z][A-Za-z0-9]*-\d+(?:\.\d+)?[A-Za-z]*\b|\b\d+(?:\.\d+)?D\b")


# An amount in asymptotic or algebraic notation: "d polylog(d) samples", "O(n log n)", "n^2", "sqrt(d)".
_NOTATION = re.compile(r"\bpolylog\b|\blog\s*\(|(?<![\w.])[OΘΩ]\s*\(|√|\\sqrt|\bsqrt\s*\(|\b[a-zA-Z]\s*\^\s*[{(]?\w")


def states_a_number(sentence: str) -> bool:
    """A numeral outside a name ("SOTA accuracy on ResNet-20 trained on CIFAR-10" states none, nor do
    "2D/3D detectors"), a number in words ("twice", "tenfold", "three"), or an amount in asymptotic or
    algebraic notation (`_NOTATION`: "how many samples?" answered "d polylog(d) samples", f13b-003)."""
    if numbers_in(_NAME_WITH_NUMBER.sub(" ", sentence)) or _NUMBER_WORD.search(sentence):
        return True
    return bool(_NOTATION.search(sentence))


__all__ = [
    "Intent",
    "asks_for_a_finding",
    "asks_for_a_name",
    "asks_for_a_number",
    "intent_adjustment",
    "question_intent",
    "states_a_number",
]
