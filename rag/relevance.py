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

A "how" or "why" question is not answered by a sentence that only restates it ("How can kernel machines
be scaled so that model size is decoupled from the amount of training data?" answered "Kernel machines can
be scaled so that model size is decoupled from the amount of training data"): a sentence every content
word of which is the question's, and which states no value, is left out (`verification.drop_restatements`).
"""

from __future__ import annotations

import re

import numpy as np

from rag.answer_types import AnswerSentence, Source
from rag.attribution import content_stems
from rag.embedding import MiniLMEmbedding
from rag.intent import asks_for_a_name, asks_for_a_number, question_intent, states_a_number
from rag.names import names_and_acronyms, names_in, proper_names, spelled_in, words_in
from rag.text import stated_values


def question_vector(embedder: MiniLMEmbedding, query: str, question: str) -> np.ndarray:
    """Unit vector of the standalone `query` and the `question` as asked (their mean when they differ):
    retrieval narrowed the papers to the referent, and a follow-up's own words say what is wanted."""
    vectors = embedder.embed([query, question] if query != question else [query])
    vector = vectors.mean(axis=0)
    return vector / np.linalg.norm(vector)


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


def split_off_question_names(
    sentences: list[AnswerSentence], question: str, sources: list[Source]
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(`sentences` citing a source that uses a name of `question`; the others). With no name of the
    question used by any source, every sentence is kept."""
    words = {s.n: words_in(s.text) for s in sources}
    asked = {name for name in names_in(question) if any(name in w for w in words.values())}
    if not asked:
        return sentences, []
    kept, off = [], []
    for sentence in sentences:
        names_it = any(asked & words.get(n, frozenset()) for n in sentence.citations)
        (kept if names_it else off).append(sentence)
    return kept, off


# What follows one of these words, up to the end of its clause, is what the question compares with.
_COMPARED_WITH = re.compile(
    r"\b(?:compared?|comparison|versus|vs\.?|than|against|relative to|outperforms?|beats?|surpass(?:es)?)\b"
    r"([^?.;!]*)",
    re.IGNORECASE,
)


def compared_names(question: str) -> frozenset[str]:
    """Names (`rag.names`) in the part of `question` that says what something is compared with."""
    return frozenset().union(*(names_in(match.group(1)) for match in _COMPARED_WITH.finditer(question)))


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
    and no sentence names anything the question does not (its words and the initials of its capitalised
    runs, `names_and_acronyms`; generic acronyms such as "DNN" name nothing): then ([], `sentences`).
    "Which backbone does it build on?" answered with the abstract's true "a lightweight image
    classification backbone" is related, not an answer."""
    if not sentences or not asks_for_a_name(*questions):
        return sentences, []
    known = frozenset().union(*(names_and_acronyms(q) for q in questions))
    if any(proper_names(s.text) - known for s in sentences):
        return sentences, []
    return [], sentences


def restates(sentence: str, *questions: str) -> bool:
    """Whether `sentence` says nothing the questions do not: each of its content words (`content_stems`)
    is one of theirs, and it states no value."""
    words = content_stems(sentence)
    asked = frozenset().union(*(content_stems(q) for q in questions))
    return words <= asked and not stated_values(sentence)


def split_restated(
    sentences: list[AnswerSentence], *questions: str
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(sentences that add something, sentences that only restate the question) for a "how" or "why"
    question (`rag.intent.question_intent` of the first question); (`sentences`, []) for any other, where
    repeating the question can be the answer ("Does X improve Y?" - "X improves Y")."""
    if not questions or question_intent(questions[0]) not in ("how", "why"):
        return sentences, []
    kept = [s for s in sentences if not restates(s.text, *questions)]
    return kept, [s for s in sentences if s not in kept]


def split_numberless(
    sentences: list[AnswerSentence], *questions: str
) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
    """(`sentences`, []) unless a question asks for a quantity and no sentence states a number: then
    ([], `sentences`). "What attack success rate does AdvEncoder achieve?" answered with the abstract's true
    "an attacker can successfully attack downstream tasks" is related, not an answer."""
    if not sentences or not asks_for_a_number(*questions) or any(states_a_number(s.text) for s in sentences):
        return sentences, []
    return [], sentences
