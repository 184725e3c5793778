"""Answers that stay on the question: supported sentences about another paper, far off the question, go.

A small model given five papers pads its answer with true sentences from the other papers that do not
answer the question ("How can photos with exposure errors be corrected?" gets the exposure paper, then a
sentence on a dataset-expansion paper's accuracy). Every such sentence is supported, so the verifier keeps
it. The sentence most similar to the question leads; another sentence is left out when it cites neither
the lead's papers nor source [1] and is less similar to the question than the lead by more than
`verification.off_topic_margin`. Sentences citing the lead's papers always stay, since a method's details
are often far from a "how" question's words; so do those citing [1], the paper retrieval ranked first on
its title and whole abstract (a follow-up's few words, "What speedup does it report?", can be closer to
another paper's sentence about speed-ups than to its own).

A question about one paper (no plural "papers", "methods", no comparison: `rag.focus`) is answered only
by sentences citing [1] (`verification.require_first_paper`): retrieval ranks the paper the question
describes first (121 of 122 such questions of the seen sets), and an answer citing only the others gives
what another paper says ("On ImageNet, NASNet achieves 82.7% top-1" for a question about SeiT++'s
accuracy). Replayed on the saved local runs of the seen sets, it left out every sentence of 2 answers to
near-miss questions and of 3 wrong answers, and one sentence each of a correct answer (which stays
correct) and a wrong one.

A question that names a method, model or dataset ("How long does it take to train the graph hypernetwork
on DeepNets-1M?") is answered only by sentences citing a source that uses one of those names
(`verification.require_question_names`): the small model otherwise answers a near-miss question with
another paper's true sentence ("PyTorch-Direct reduces data transfer time by 47.1%"). Names no source uses
constrain nothing.

A comparison ("How does SingLoRA compare with DoRA on MNLI?") is answered only if the evidence that
decided some shown sentence names what it is compared with (`verification.require_compared_names`): the
answer "SingLoRA reaches 91.3% on MNLI, above LoRA" is true and supported, but says nothing of DoRA. A
comparison with something no retrieved source names in any spelling is not answered at all.

A question asking which dataset, backbone, optimizer, hardware, ... was used is answered only if some
sentence names something the question does not (`verification.require_name`), as a quantity question
needs a number (`verification.require_number`).

No question but a yes/no or either/or one is answered by a sentence that only restates it ("How can
kernel machines be scaled so that model size is decoupled from the amount of training data?" answered
"Kernel machines can be scaled so that model size is decoupled from the amount of training data"; "Which
three vision tasks was it evaluated on?" answered "It was evaluated on three vision tasks"): a sentence
every content word of which is the question's, and which states no value the question does not, is left
out (`verification.drop_restatements`).

A value the cited abstract states for another setting than the one the question and the sentence name is
not the asked value (`verification.require_asked_setting`): "Selfie pretraining improves ResNet-50 accuracy
on CIFAR-10 from 35.6% to 46.7%" when the one abstract sentence giving 35.6% is about ImageNet 224x224,
and CIFAR-10 appears only in another sentence. The 1.5B judge accepts such sentences; this catches the
case where the names decide it (`split_value_for_another_setting`).

A question for a value or a name that names its setting ("What certification speed-up does incremental
randomized smoothing achieve on ImageNet?") is not answered by a sentence whose every cited source leaves
one of the question's names unspelled in its title and abstract (`verification.require_cited_names`,
`split_uncited_names`): "up to 3x certification speedup" is a value for some other setting. The gate
abstains only when no retrieved paper spells the name; this holds sentence by sentence, for the papers a
sentence cites.

A question for a value or a name under one condition (pre-training, inference, a GPU, the test set) is not
answered by a sentence naming only the contrasting one (`verification.require_asked_condition`,
`split_other_conditions`). A "how many X" question is not answered by a count of something else
(`verification.require_asked_count`, `split_other_counts`): "How many abstracts were in the autophagy
collections?" answered "two collections of autophagy-related abstracts" counts collections.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

from rag.answer_types import AnswerSentence, Source
from rag.attribution import bound_words, content_stems, sole_statement
from rag.conditions import other_condition
from rag.counted import asked_count_nouns, asks_for_a_count, counts_something_else, states_only_shares
from rag.embedding import MiniLMEmbedding
from rag.focus import asks_about_one_paper
from rag.intent import asks_for_a_name, asks_for_a_number, states_a_number
from rag.names import (
    GENERIC_ACRONYMS,
    core_keys,
    name_key,
    name_words,
    names_in,
    new_names,
    question_names,
    spelled_in,
    spelled_whole_or_core,
    unspelled_question_names,
    words_in,
)
from rag.text import split_sentences, stated_values


def question_vector(embedder: MiniLMEmbedding, query: str, question: str) -> np.ndarray:
    """Unit vector of the standalone `query` and the `question` as asked (their mean when they differ):
    retrieval narrowed the papers to the referent, and a follow-up's own words say what is wanted."""
    vectors = embedder.embed([query, question] if query != question else [query])
    vector = vectors.mean(axis=0)
    return vector / np.linalg.norm(vector)


def _partition(
    sentences: list[AnswerSentence], left_out: Callable[[AnswerSentence], bool]
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(the sentences for which `left_out` is false; those for which it is true), each in order."""
    kept, off = [], []
    for sentence in sentences:
        (off if left_out(sentence) else kept).append(sentence)
    return kept, off


def split_off_topic(
    sentences: list[AnswerSentence], vector: np.ndarray, embedder: MiniLMEmbedding, margin: float | None
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(`sentences` kept, in order; those left out as off the question). `margin` None keeps them all."""
    if margin is None or len(sentences) < 2:
        return sentences, []
    similarity = embedder.embed([s.text for s in sentences]) @ vector
    lead = int(np.argmax(similarity))
    lead_papers = set(sentences[lead].citations) | {1}
    kept, off_topic = [], []
    for sentence, score in zip(sentences, similarity, strict=True):
        on_topic = score >= similarity[lead] - margin or bool(lead_papers & set(sentence.citations))
        (kept if on_topic else off_topic).append(sentence)
    return kept, off_topic


def split_off_the_first_paper(
    sentences: list[AnswerSentence], *questions: str
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(sentences citing source [1]; the others) when the questions ask about one paper
    (`rag.focus.asks_about_one_paper`), else (`sentences`, [])."""
    if not asks_about_one_paper(*questions):
        return sentences, []
    return _partition(sentences, lambda s: 1 not in s.citations)


def split_off_question_names(
    sentences: list[AnswerSentence], question: str, sources: list[Source]
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(`sentences` citing a source that uses a name of `question`; the others). With no name of the
    question used by any source, every sentence is kept."""
    words = {s.n: words_in(s.text) for s in sources}
    asked = {name for name in names_in(question) if any(name in w for w in words.values())}
    if not asked:
        return sentences, []
    return _partition(sentences, lambda s: not any(asked & words.get(n, frozenset()) for n in s.citations))


def split_uncited_names(
    sentences: list[AnswerSentence], sources: list[Source], question: str
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(sentences kept; those whose every cited source leaves a name of `question` unspelled in its title
    and abstract, `rag.names.unspelled_question_names`), for a question asking for a value or a name.
    Numbered settings ("sub-3-bit", "8-shot") are not names here: `_another_variant` judges those."""
    if not (asks_for_a_number(question) or asks_for_a_name(question)):
        return sentences, []
    by_number = {s.n: s for s in sources}

    def unspelled(n: int) -> bool:
        source = by_number.get(n)
        if source is None:
            return False
        names = unspelled_question_names(question, [source.text])
        return any(not _NUMBERED_UNIT.search(name) for name in names)

    return _partition(sentences, lambda s: bool(s.citations) and all(unspelled(n) for n in s.citations))


# What follows one of these words, up to the end of its clause, is what the question compares with.
_COMPARED_WITH = re.compile(
    r"\b(?:compared?|comparison|versus|vs\.?|than|against|relative to|outperforms?|beats?|surpass(?:es)?)\b"
    r"([^?.;!]*)",
    re.IGNORECASE,
)


def compared_names(question: str) -> frozenset[str]:
    """Names (`rag.names`) in the part of `question` that says what something is compared with; generic
    acronyms name nothing to compare with ("... rather than the DNN itself")."""
    names = frozenset().union(*(names_in(match.group(1)) for match in _COMPARED_WITH.finditer(question)))
    return names - GENERIC_ACRONYMS


def split_unaddressed_comparison(
    sentences: list[AnswerSentence], sources: list[Source], *questions: str
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(`sentences`, []) unless a question compares with something that no source names in any spelling
    ("How does ARM-Net compare with TabNet?", and no retrieved paper mentions TabNet), or that a cited
    source names and no sentence's deciding evidence does: then ([], `sentences`)."""
    asked = frozenset().union(*(compared_names(q) for q in questions))
    if not asked or not sentences:
        return sentences, []
    anywhere = frozenset().union(*(words_in(s.text) for s in sources))
    if any(name[0].isalpha() and not spelled_in(name, anywhere) for name in asked):  # not "10,000-feature"
        return [], sentences
    cited = {n for s in sentences for n in s.citations}
    used = frozenset().union(*(words_in(s.text) for s in sources if s.n in cited))
    decided = frozenset().union(*(words_in(s.evidence or "") for s in sentences))
    if (asked & used) - decided:
        return [], sentences
    return sentences, []


def split_nameless(
    sentences: list[AnswerSentence], *questions: str
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(`sentences`, []) unless a question asks which dataset, backbone, optimizer, ... (`asks_for_a_name`)
    and no sentence names anything the question does not (its words, the initials of its capitalised
    runs and of its words, `rag.names.question_names`; generic acronyms such as "DNN" name nothing): then
    ([], `sentences`).
    "Which backbone does it build on?" answered with the abstract's true "a lightweight image
    classification backbone" is related, not an answer."""
    if not sentences or not asks_for_a_name(*questions):
        return sentences, []
    known = frozenset().union(*(question_names(q) for q in questions))
    if any(_names_beyond(s.text, known) for s in sentences):
        return sentences, []
    return [], sentences


# Software is often named in lower case; it is still a name when the sentence introduces it as one:
# "an open-source software package, polyreg, is available", "a library called fairseq".
_LOWER_CASE_NAME = re.compile(  # a lookahead as a whole, so that "software package, polyreg," overlaps
    r"(?=\b(?:package|library|toolkit|toolbox|software|called|named|dubbed),?\s+([a-z][\w.-]*[a-z0-9])"
    r"(?=\s*[,.;:)]|\s+(?:is|was|are|were)\b))"
)


# A web address names no dataset, tool or licence ("We publicly release the MAVREC dataset: https://...").
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


def _names_beyond(sentence: str, known: frozenset[str]) -> frozenset[str]:
    """The names `sentence` adds to `known` (`rag.names.new_names`, the rule the evidence ranking uses: an
    abbreviation of the question's words, "NNs" for "neural nets", adds none), without hyphenated words
    whose every part is known, a generic acronym, a number or a lower-case word: "a single multi-GPU
    server" names nothing more than a question about GPUs; "ResNet-50" and "So2Sat" stay names. A
    lower-case word the sentence introduces as a package's or tool's name (`_LOWER_CASE_NAME`: "package,
    polyreg,") is one. Web addresses (`_URL`) name nothing."""
    sentence = _URL.sub(" ", sentence)
    ordinary = {
        name_key(word)
        for word in name_words(sentence)
        if "-" in word and all(_ordinary_part(part, known) for part in word.split("-") if part)
    }
    introduced = {
        name_key(m.group(1)) for m in _LOWER_CASE_NAME.finditer(sentence) if m.group(1) not in STOPWORDS_EN_PLUS
    }
    return (new_names(sentence, known) | (introduced - known)) - ordinary


def _ordinary_part(part: str, known: frozenset[str]) -> bool:
    key = name_key(part)
    return part.islower() or part.isdigit() or key in known or key in GENERIC_ACRONYMS


# Words that add nothing to a restated question: "The DnD-Transformer introduces a new autoregression
# direction" does not say which one (f6-030).
_VAGUE = content_stems(
    "new novel additional different various several specific certain particular extra key main important "
    "introduces studies"
)


def _unhyphenated(text: str) -> str:
    return text.replace("-", " ")


def restates(sentence: str, *questions: str) -> bool:
    """Whether `sentence` says nothing the questions do not: each of its content words (`content_stems`),
    but vague ones ("new", "additional", "introduces"), is one of theirs, and each value it states is one of
    theirs. Hyphenated words count by their parts too ("modular addition" restates "modular-addition")."""
    words = content_stems(_unhyphenated(sentence)) - _VAGUE
    asked = frozenset().union(*(content_stems(q) | content_stems(_unhyphenated(q)) for q in questions))
    values = set().union(*(stated_values(q) for q in questions))
    return words <= asked and stated_values(sentence) <= values


# Questions that repeating can answer: "Does X improve Y?" - "X improves Y"; "Is A or B faster?" - "A is faster".
_YES_NO = re.compile(r"^\s*(?:does|do|did|is|are|was|were|can|could|has|have|had|will|would|should)\b", re.IGNORECASE)
_EITHER_OR = re.compile(r"\bor\b", re.IGNORECASE)


def restating_answers(question: str) -> bool:
    """Whether repeating `question`'s own words can answer it: a yes/no or an either/or question."""
    return bool(_YES_NO.search(question) or _EITHER_OR.search(question))


def split_restated(
    sentences: list[AnswerSentence], *questions: str
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(sentences that add something, sentences that only restate the question); (`sentences`, []) when the
    first question is one that repeating can answer (`restating_answers`)."""
    if not questions or restating_answers(questions[0]):
        return sentences, []
    return _partition(sentences, lambda s: restates(s.text, *questions))


def split_value_for_another_setting(
    sentences: list[AnswerSentence], sources: list[Source], *questions: str
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(sentences kept; those giving a value the cited abstract states for another setting). A sentence is
    left out when, for a value it states that no question does, exactly one sentence of a cited paper's
    abstract states that value, and some name that both a question and the sentence use (not a title word
    or generic acronym) is missing from that abstract sentence, spelled in another of its sentences, while
    the stating sentence names something neither the questions nor the title do (a sentence pairing values
    with names "respectively" decides nothing here). So is a sentence naming another numbered variant of
    what the question names ("top-5" for "top-1", "ResNet-101" for "ResNet-50", "4-bit" for "2-bit") and
    not the asked one.
    The whole abstract of each source is read, not only the evidence shown."""
    asked_values = set().union(*(stated_values(q) for q in questions))
    asked_names = {n for q in questions for n in names_in(q)} - GENERIC_ACRONYMS
    asked_variants = set().union(*(_numbered_variants(q) for q in questions))
    if not asked_names and not asked_variants:
        return sentences, []
    by_number = {s.n: s for s in sources}

    def for_another_setting(sentence: AnswerSentence) -> bool:
        cited = [source for n in sentence.citations if (source := by_number.get(n)) is not None]
        return _another_variant(sentence.text, asked_variants) or any(
            _value_for_another_setting(sentence.text, p, asked_names, asked_values) for p in cited
        )

    return _partition(sentences, for_another_setting)


# "top-1", "ResNet-50", "GPT-3": a name and the number of one of its variants; "2-bit", "8-shot": a
# number and the unit it counts.
_NUMBERED_VARIANT = re.compile(r"\b([A-Za-z][A-Za-z0-9]*)-(\d+(?:\.\d+)?)\b")
_NUMBERED_UNIT = re.compile(r"\b(\d+(?:\.\d+)?)-([A-Za-z]+)\b")


def _numbered_variants(text: str) -> set[tuple[str, str]]:
    """(name or unit, number) of each numbered variant `text` names: ("resnet", "50"), ("bit", "2")."""
    named = {(m.group(1).lower(), m.group(2)) for m in _NUMBERED_VARIANT.finditer(text)}
    return named | {(m.group(2).lower(), m.group(1)) for m in _NUMBERED_UNIT.finditer(text)}


def _another_variant(sentence: str, asked: set[tuple[str, str]]) -> bool:
    """Whether `sentence` names another numbered variant of one the question asks about ("top-5 accuracy"
    for "What top-1 accuracy ...?", f6-016; "at 4-bit quantization" for "at 2-bit", f12a-004) and not the
    asked one."""
    said = _numbered_variants(sentence)
    return any(
        head == asked_head and number != asked_number and (asked_head, asked_number) not in said
        for head, number in said
        for asked_head, asked_number in asked
    )


def _value_for_another_setting(sentence: str, source: Source, asked: set[str], asked_values: set[str]) -> bool:
    values = [v for v in bound_words(sentence) if v not in asked_values]
    named = asked & names_in(sentence)
    if not values or not named:
        return False
    title = words_in(source.title)
    named = {n for n in named if not spelled_in(n, title)}
    abstract = split_sentences(source.abstract)
    cores = core_keys(sentence)  # a hyphenated name is spelled by its core too ("SIMD-optimized", f14a-021)
    for value in values:
        if (stating := sole_statement(value, abstract)) is None:
            continue  # stated in several sentences, or paired with names "respectively" (`rag.attribution`)
        if _without_what_it_used(sentence, stating):
            return True
        said, elsewhere = words_in(stating), [words_in(s) for s in abstract if s is not stating]
        missing = [
            n
            for n in named
            if not spelled_whole_or_core(n, cores, said, stating) and any(spelled_in(n, w) for w in elsewhere)
        ]
        its_own = names_in(stating) - GENERIC_ACRONYMS - asked - title
        if missing and any(not spelled_in(n, frozenset(asked)) for n in its_own):
            return True
    return False


_WITHOUT = re.compile(r"\bwithout\s+(?:an?\s+|the\s+)?([\w-]+)", re.IGNORECASE)


def _without_what_it_used(sentence: str, stating: str) -> bool:
    """Whether `sentence` gives its value "without X" where the abstract sentence stating the value uses X
    and never says "without X": "WER ... without i-vector speaker adaptive training is 9.66%" for "ONC-based
    ... with I-vector based DNN-HMM achieves ... 9.66%" (f6-020, a near-miss)."""
    stated = stating.lower()
    for match in _WITHOUT.finditer(sentence):
        thing = match.group(1).lower()
        if thing in stated and not re.search(rf"without (an? |the )?{re.escape(thing)}", stated):
            return True
    return False


def split_other_conditions(
    sentences: list[AnswerSentence], *questions: str
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(sentences kept; those naming the contrasting condition of the asked one, `rag.conditions`), for a
    question asking for a value or a name: "How much faster is inference on a GPU?" answered with the
    abstract's "3.1x faster inference latency on a CPU"."""
    if not (asks_for_a_number(*questions) or asks_for_a_name(*questions)):
        return sentences, []
    return _partition(sentences, lambda s: other_condition(s.text, *questions))


def split_other_counts(
    sentences: list[AnswerSentence], *questions: str
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(sentences kept; those whose counts all count something other than what a "how many" question asks
    for, or that state only shares or multipliers when it asks for a count, `rag.counted`). "How many
    object categories are annotated?" answered "There are 1.1 million annotated bounding boxes" gives a
    true count of the wrong thing; "How many queries does QuScore need?" answered "a success rate between
    95% and 100%" gives no count at all (f14a-010; "How many fewer parameters?" is answered by "69% fewer
    parameters")."""
    nouns = asked_count_nouns(*questions)
    if not nouns:
        return sentences, []
    count_asked = asks_for_a_count(*questions)
    return _partition(
        sentences, lambda s: counts_something_else(s.text, nouns) or (count_asked and states_only_shares(s.text))
    )


def split_numberless(
    sentences: list[AnswerSentence], *questions: str
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(`sentences`, []) unless a question asks for a quantity and no sentence states a number: then
    ([], `sentences`). "What attack success rate does AdvEncoder achieve?" answered with the abstract's true
    "an attacker can successfully attack downstream tasks" is related, not an answer."""
    if not sentences or not asks_for_a_number(*questions) or any(states_a_number(s.text) for s in sentences):
        return sentences, []
    return [], sentences
