"""Check every answer sentence against the abstracts it cites; repair, drop or mark what fails.

`Verifier` is the interface (registered by name in `VERIFIERS`, chosen by `verification.verifier`);
`EmbeddingVerifier` (`embedding`) is the first implementation. A citation survives only if it points at
one of the retrieved sources *and* that source's abstract supports the sentence: the best-matching
abstract sentence is semantically close (embedding cosine) and every number in the answer sentence also
appears in the source. A sentence whose citations fail is re-attached to another source that does
support it; if none does, it is kept but marked unsupported. A citation that passes but is clearly
weaker than another source's support is replaced by that source.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import ClassVar, NamedTuple

import numpy as np

from rag.answer_types import AnswerSentence, Source
from rag.embedding import MiniLMEmbedding
from rag.instructions import never_supported
from rag.paper import Paper
from rag.registry import Registry
from rag.sentences import SentenceIndex
from rag.settings import VerificationSettings
from rag.text import numbers_in, split_sentences

# [1] [1, 2] [1][2] [1-3] (1) (1, 2) [Source 1]
_MARKER = re.compile(r"\[(?:sources?\s*)?(\d+(?:\s*[,;–-]\s*\d+)*)\]|\((\d+(?:\s*[,;]\s*\d+)*)\)", re.IGNORECASE)
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*" + _MARKER.pattern + r")+)", re.IGNORECASE)
_TRAILING_REFERENCES = re.compile(r"\n\s*(?:sources|references)\s*:.*$", re.IGNORECASE | re.DOTALL)


def _numbers_of_marker(body: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", body):
        if m := re.fullmatch(r"(\d+)\s*[–-]\s*(\d+)", part):
            low, high = int(m.group(1)), int(m.group(2))
            numbers.extend(range(low, min(high, low + 20) + 1))
        elif part.strip().isdigit():
            numbers.append(int(part))
    return numbers


def parse_cited_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """(sentence text without markers, cited numbers in order) for each sentence of a model answer."""
    text = _TRAILING_REFERENCES.sub("", answer).strip()
    text = _MARKERS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", text)  # "x. [1]" -> "x [1]."
    parsed: dict[str, tuple[str, list[int]]] = {}
    for sentence in split_sentences(text.replace("\n", " ")):
        cited: list[int] = []
        for match in _MARKER.finditer(sentence):
            cited.extend(_numbers_of_marker(match.group(1) or match.group(2)))
        clean = re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", sentence))
        clean = re.sub(r"\s{2,}", " ", clean).strip()  # a marker removed mid-sentence leaves two spaces
        if not (clean and re.search(r"\w", clean)):
            continue
        # Small models loop: a sentence repeated verbatim is said once, with the union of its citations.
        key = " ".join(re.findall(r"\w+", clean.lower()))
        earlier = parsed.get(key, (clean, []))
        parsed[key] = (earlier[0], list(dict.fromkeys(earlier[1] + cited)))
    return list(parsed.values())


class Verification(NamedTuple):
    sentences: list[AnswerSentence]
    dropped: int  # citations removed (outside the sources, or not supporting their sentence)


class Verifier(ABC):
    """Checks a generated answer's sentences against the sources; registered in `VERIFIERS` by `name`."""

    name: ClassVar[str]

    def __init__(
        self, settings: VerificationSettings, embedder: MiniLMEmbedding, sentence_index: SentenceIndex
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.sentence_index = sentence_index

    @abstractmethod
    def verify(self, answer: str, sources: list[Source]) -> Verification:
        """Verified sentences of `answer` (with `[n]` markers numbering `sources` from 1)."""


VERIFIERS: Registry[type[Verifier]] = Registry("verifier")


@VERIFIERS.register("embedding", "a cited abstract sentence with cosine >= support_threshold and every number")
class EmbeddingVerifier(Verifier):
    """Support = best cosine between the sentence and any sentence of the cited abstract, 0 if a number
    of the sentence is missing from the source. A citation must reach `support_threshold` and be within
    `best_source_margin` of the best source: a sentence copied from [1] but cited to a merely related [2]
    is re-attached to [1]."""

    name = "embedding"

    def _support_matrix(self, sentences: list[str], sources: list[Source]) -> np.ndarray:
        """support[i, j]: how well source j supports sentence i (0 when a number is not in the source)."""
        papers = [Paper(paper_id=s.paper_id, title=s.title, abstract=s.abstract) for s in sources]
        per_paper = self.sentence_index.sentences(papers)
        vectors = self.embedder.embed(sentences)
        support = np.zeros((len(sentences), len(sources)), dtype=np.float32)
        for j, source in enumerate(sources):
            source_vectors = per_paper[source.paper_id][1]
            source_numbers = numbers_in(f"{source.title} {source.abstract}")
            if len(source_vectors) == 0:
                continue
            cosines = (vectors @ source_vectors.T).max(axis=1)
            for i, sentence in enumerate(sentences):
                support[i, j] = cosines[i] if numbers_in(sentence) <= source_numbers else 0.0
        return support

    def verify(self, answer: str, sources: list[Source]) -> Verification:
        parsed = parse_cited_sentences(answer)
        if not parsed or not sources:
            unsupported = [AnswerSentence(text=t, citations=[], supported=False, support=0.0) for t, _ in parsed]
            return Verification(unsupported, sum(len(c) for _, c in parsed))
        threshold, margin = self.settings.support_threshold, self.settings.best_source_margin
        support = self._support_matrix([t for t, _ in parsed], sources)
        verified, dropped = [], 0
        for i, (text, cited) in enumerate(parsed):
            if never_supported(text):  # an instruction to the reader is never a supported claim (rag.instructions)
                verified.append(AnswerSentence(text=text, citations=[], supported=False, support=0.0))
                dropped += len(cited)
                continue
            valid = [n for n in cited if 1 <= n <= len(sources)]
            best = int(np.argmax(support[i]))
            floor = max(threshold, float(support[i, best]) - margin)
            kept = [n for n in valid if support[i, n - 1] >= floor]
            dropped += len(cited) - len(kept)
            if not kept and support[i, best] >= threshold:
                kept = [best + 1]  # repaired: re-attached to the source that does support it
            score = max((float(support[i, n - 1]) for n in kept), default=float(support[i].max()))
            verified.append(AnswerSentence(text=text, citations=kept, supported=bool(kept), support=round(score, 4)))
        return Verification(verified, dropped)


def render_answer(sentences: list[AnswerSentence]) -> str:
    """Answer text with `[n]` markers placed before each sentence's final punctuation."""
    parts = []
    for sentence in sentences:
        markers = "".join(f"[{n}]" for n in sentence.citations)
        text = sentence.text
        if markers:
            stop = text[-1] if text[-1] in ".!?" else "."
            text = f"{text.rstrip('.!?').rstrip()} {markers}{stop}"
        parts.append(text)
    return " ".join(parts)
