"""Check every answer sentence against the abstracts it cites; repair, drop or mark what fails.

`Verifier` is the interface (registered by name in `VERIFIERS`, chosen by `verification.verifier`).
A citation survives only if it points at one of the retrieved sources *and* that source supports the
sentence; a sentence whose citations fail is re-attached to another source that does support it, or kept,
uncited, with its verdict (`contradicted` / `not_enough_info`).

- `entailment` (default for LLM backends): the LLM judges whether the cited source's evidence sentences
  and the abstract sentence closest to the sentence state it (`rag.entailment`), after cheap embedding
  and number filters.
- `embedding` (default for `extractive`, whose sentences are copied from the evidence): the best-matching
  abstract sentence is close (embedding cosine) and every number or spelled count of the sentence
  appears in the source, numbers bound to the same words (`rag.attribution`).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from rag.answer_types import AnswerSentence, Source
from rag.antonyms import flipped_word
from rag.attribution import misassigned_respectively, misattributed_number, value_for_another_name
from rag.budget import cap_tokens, strip_truncation
from rag.copying import copied_from
from rag.differences import misread_difference
from rag.direction import SideReading
from rag.embedding import MiniLMEmbedding
from rag.entailment import EntailmentJudge, Verdict
from rag.errors import ComponentError
from rag.instructions import never_supported
from rag.llm.client import TimeLimitExceeded
from rag.names import name_words, names_in, names_of_another_paper, subject_words, unknown_names, words_in
from rag.paper import Paper
from rag.registry import Registry
from rag.roles import comparison, negations, restated_relation, swapped_roles
from rag.sentences import SentenceIndex
from rag.settings import VerificationSettings
from rag.text import ends_mid_clause, split_sentences, stated_values, values_in

# [1] [1, 2] [1][2] [1-3] (1) (1, 2) [Source 1]
_MARKER = re.compile(r"\[(?:sources?\s*)?(\d+(?:\s*[,;–-]\s*\d+)*)\]|\((\d+(?:\s*[,;]\s*\d+)*)\)", re.IGNORECASE)
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*" + _MARKER.pattern + r")+)", re.IGNORECASE)
# "... [1]. [2] shows ...": markers standing for the subject of the next sentence (a lower-case word follows)
# become "It [2] shows ...", so the sentence is not glued to the one before.
_MARKERS_AS_SUBJECT = re.compile(r"(^|[.!?])(\s*)((?:(?:" + _MARKER.pattern + r")\s*)+)(?=(?-i:[a-z]))", re.IGNORECASE)
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
    text = _MARKERS_AS_SUBJECT.sub(lambda m: f"{m.group(1)}{m.group(2)}It {m.group(3)}", text)
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
    unchecked: int = 0  # sentences left unsupported because the answer's time limit cut their check short


class Verifier(ABC):
    """Checks a generated answer's sentences against the sources; registered in `VERIFIERS` by `name`.

    `judge` is the LLM entailment judge, for verifiers that decide by meaning (None: not available).
    """

    name: ClassVar[str]
    needs_judge: ClassVar[bool] = False

    def __init__(
        self,
        settings: VerificationSettings,
        embedder: MiniLMEmbedding,
        sentence_index: SentenceIndex,
        judge: EntailmentJudge | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.sentence_index = sentence_index
        self.judge = judge

    def verify(self, answer: str, sources: list[Source]) -> Verification:
        """Verified sentences of `answer` (with `[n]` markers numbering `sources` from 1).

        Parsing, the empty cases, instruction-like sentences (`rag.instructions`) and sentences cut short
        before their complement (`rag.text.ends_mid_clause`), both never supported, are handled here; each
        implementation decides one sentence at a time (`_verify_sentence`)."""
        parsed = parse_cited_sentences(answer)
        if not parsed or not sources:
            return _unverifiable(parsed)
        similarities = self._similarities([t for t, _ in parsed], sources)
        scratch = self._prepare(parsed, sources, similarities)
        verified, dropped = [], 0
        for i, (text, cited) in enumerate(parsed):
            if never_supported(text) or ends_mid_clause(text):  # an instruction, or a sentence cut short
                verified.append(AnswerSentence(text=text, citations=[], supported=False, support=0.0))
                dropped += len(cited)
                continue
            sentence, removed = self._verify_sentence(i, text, cited, sources, similarities, scratch)
            verified.append(sentence)
            dropped += removed
        return Verification(verified, dropped, self._unchecked(scratch))

    def _prepare(
        self, parsed: list[tuple[str, list[int]]], sources: list[Source], similarities: list[np.ndarray]
    ) -> Any:
        """Per-answer working state handed to every `_verify_sentence` call (default: none)."""
        return None

    def _unchecked(self, scratch: Any) -> int:
        """How many sentences the answer's time limit left unchecked (default: none)."""
        return 0

    @abstractmethod
    def _verify_sentence(
        self,
        i: int,
        text: str,
        cited: list[int],
        sources: list[Source],
        similarities: list[np.ndarray],
        scratch: Any,
    ) -> tuple[AnswerSentence, int]:
        """Sentence `i` (`text`, citing `cited`) verified, and how many of its citations were removed."""

    def _similarities(self, sentences: list[str], sources: list[Source]) -> list[np.ndarray]:
        """Per source j, the cosine of every answer sentence (rows) to every sentence of j's abstract."""
        papers = [Paper(paper_id=s.paper_id, title=s.title, abstract=s.abstract) for s in sources]
        per_paper = self.sentence_index.sentences(papers)
        vectors = self.embedder.embed(sentences)
        similarities = []
        for source in sources:
            source_vectors = per_paper[source.paper_id][1]
            if len(source_vectors) == 0:
                similarities.append(np.zeros((len(sentences), 0), dtype=np.float32))
            else:
                similarities.append(vectors @ source_vectors.T)
        return similarities

    def _abstract_sentences(self, source: Source) -> list[str]:
        paper = Paper(paper_id=source.paper_id, title=source.title, abstract=source.abstract)
        return self.sentence_index.sentences([paper])[source.paper_id][0]


def _unverifiable(parsed: list[tuple[str, list[int]]]) -> Verification:
    sentences = [AnswerSentence(text=t, citations=[], supported=False, support=0.0) for t, _ in parsed]
    return Verification(sentences, sum(len(c) for _, c in parsed))


VERIFIERS: Registry[type[Verifier]] = Registry("verifier")


@VERIFIERS.register("embedding", "a cited abstract sentence with cosine >= support_threshold and every number")
class EmbeddingVerifier(Verifier):
    """Support = best cosine between the sentence and any sentence of the cited abstract, 0 if a number
    or spelled count of the sentence is missing from the source. A citation must reach `support_threshold`
    and be within `best_source_margin` of the best source: a sentence copied from [1] but cited to a merely
    related [2] is re-attached to [1]. A number the source gives for something else (`rag.attribution`) or
    two things on the other sides of a comparison (`rag.roles`) also make support 0. It measures
    similarity, not meaning: a sentence that negates its source can pass."""

    name = "embedding"

    def _prepare(
        self, parsed: list[tuple[str, list[int]]], sources: list[Source], similarities: list[np.ndarray]
    ) -> np.ndarray:
        """support[i, j]: best cosine of sentence i to source j, 0 when a number of i is not in j or j
        gives it for something else (`rag.attribution`, with `number_binding`) or i swaps the roles of two
        things j relates (`rag.roles`, with `role_order`)."""
        support = np.zeros((len(parsed), len(sources)), dtype=np.float32)
        for j, source in enumerate(sources):
            source_numbers = values_in(source.text)
            if similarities[j].shape[1] == 0:
                continue
            best = similarities[j].max(axis=1)
            for i, (sentence, _) in enumerate(parsed):
                holds = self._numbers_hold(sentence, source, source_numbers) and not self._swaps_roles(sentence, source)
                support[i, j] = best[i] if holds else 0.0
        return support

    def _swaps_roles(self, sentence: str, source: Source) -> bool:
        """With `role_order`, whether `sentence` puts two things on the other sides of a relation than the
        source does (`rag.roles`)."""
        if not self.settings.role_order:
            return False
        return swapped_roles(sentence, self._abstract_sentences(source), source.title) is not None

    def _numbers_hold(self, sentence: str, source: Source, source_numbers: set[str]) -> bool:
        """Every number and spelled count of `sentence` is in the source and, with `number_binding`, every
        number is bound to the same words."""
        numbers = stated_values(sentence)
        if not numbers <= source_numbers:
            return False
        if not (numbers and self.settings.number_binding):
            return True
        abstract = self._abstract_sentences(source)
        return not (
            misassigned_respectively(sentence, abstract)
            or misattributed_number(sentence, abstract, source.title)
            or value_for_another_name(sentence, abstract, source.title)
            or misread_difference(sentence, abstract)
        )

    def _verify_sentence(
        self,
        i: int,
        text: str,
        cited: list[int],
        sources: list[Source],
        similarities: list[np.ndarray],
        scratch: np.ndarray,
    ) -> tuple[AnswerSentence, int]:
        support, threshold = scratch, self.settings.support_threshold
        valid = [n for n in cited if 1 <= n <= len(sources)]
        best = int(np.argmax(support[i]))
        floor = max(threshold, float(support[i, best]) - self.settings.best_source_margin)
        kept = [n for n in valid if support[i, n - 1] >= floor]
        removed = len(cited) - len(kept)
        if not kept and support[i, best] >= threshold:
            kept = [best + 1]  # repaired: re-attached to the source that does support it
        score = max((float(support[i, n - 1]) for n in kept), default=float(support[i].max()))
        decider = kept[0] - 1 if kept else best
        evidence = None
        if similarities[decider].shape[1]:
            evidence = self._abstract_sentences(sources[decider])[int(np.argmax(similarities[decider][i]))]
        sentence = AnswerSentence(
            text=text,
            citations=kept,
            supported=bool(kept),
            support=round(score, 4),
            verdict="supported" if kept else "not_enough_info",
            evidence=evidence,
        )
        return sentence, removed


@dataclass(frozen=True)
class Check:
    """What one source says of one answer sentence."""

    verdict: Verdict
    support: float  # probability of `supported` (without the judge: 1 for a copy, else 0)
    evidence: str | None  # the deciding abstract sentence: one spelling the sentence's names, or the closest
    judged: bool  # whether the LLM judge was asked
    out_of_time: bool = False  # the answer's time limit passed before the judge could answer
    second_opinion: bool = False  # whether the judge was asked the yes/no question too (a second call)
    sides_asked: bool = False  # whether the judge was asked which side of a comparison the evidence favours (two calls)

    @property
    def calls(self) -> int:
        """The judge calls this check made."""
        return self.judged + self.second_opinion + 2 * self.sides_asked


@dataclass
class _JudgeBudget:
    """Judge calls left for one answer, and the sentences the answer's time limit left unchecked."""

    calls_left: int
    out_of_time: bool = False
    unchecked: int = 0


JUDGE_SENTENCE_TOKENS = 300  # per abstract sentence shown to the entailment judge
_SEVERITY = {"contradicted": 0, "not_enough_info": 1, "supported": 2}


def _spelling(sentence: str, shown: list[str], abstract: list[str], most: int = 2) -> list[str]:
    """Up to `most` abstract sentences spelling the names and values of `sentence` that `shown` does not,
    the one spelling most of them first ("evaluated on the LibriSpeech corpus", where the evidence the
    answer was written from never names LibriSpeech and the sentence closest to the claim is another one);
    none when `shown` spells them all."""
    said = " ".join(shown)
    wanted: set[str] = {key for word in name_words(sentence) for key in names_in(word)} - words_in(said)
    wanted |= {f"#{v}" for v in stated_values(sentence) - values_in(said)}
    picked: list[str] = []
    while wanted and len(picked) < most:
        spelled = {s: wanted & (words_in(s) | {f"#{v}" for v in values_in(s)}) for s in abstract if s not in picked}
        best = max(spelled, key=lambda s: len(spelled[s]), default=None)
        if best is None or not spelled[best]:
            break
        picked.append(best)
        wanted -= spelled[best]
    return picked


@VERIFIERS.register("entailment", "an LLM entailment verdict per sentence and cited source, after cheap filters")
class EntailmentVerifier(Verifier):
    """Every sentence gets a verdict (supported / contradicted / not_enough_info) from the LLM judge,
    asked about the cited source's evidence sentences and the abstract sentence closest to it (`_shown`;
    asking again about the whole abstract when undecided was tried on the tuning split and did not help).
    Cheap filters decide without the judge: a number, spelled count ("four case studies") or rank of the
    sentence missing from the source (contradicted when the closest abstract sentence states values,
    else not_enough_info), a name that another source of the
    answer uses but this one does not, or that the source never spells (not_enough_info, `rag.names`;
    the latter with `require_known_names`), a sentence that copies an abstract
    sentence word for word (supported, `rag.copying`), a number the abstract gives for something else
    or in a sentence without the name the sentence puts next to it (contradicted, `rag.attribution`), a
    difference stated as a level or a level as a difference ("reaches 5%" where it "improves by 5%",
    contradicted, `rag.differences`;
    a copy is exempt, unless the abstract pairs the number
    "respectively" with another name than the sentence's), two things on the other sides of a comparison
    or directed relation than the abstract puts them (contradicted, `rag.roles`, with `role_order`; checked
    before the copy rule, since a swap keeps the abstract's words), one word turned into its antonym
    ("powerful" where the abstract says "weak", contradicted, `rag.antonyms`, with `antonym_check`), or no
    abstract sentence with cosine
    >= `entailment_floor` (not_enough_info). When the judge is unsure (P(supported) within
    `second_opinion`), it is asked a yes/no follow-up in the same chat and the geometric mean of the two
    must reach `second_opinion_threshold` (`rag.entailment.Judgment.with_second_opinion`; that call counts
    against `max_checks`). A sentence the judge calls contradicted that states one of the abstract's
    relations from the other side ("B is slower than A" where it reads "A is faster than B") is supported
    by that abstract sentence (`rag.roles.restated_relation`, with `role_order`): the judge reads such a
    mirror as a reversal. Nor does it track which side of a comparison the evidence favours: a sentence
    stating one (`rag.roles.comparison`) that the judge calls supported, or calls contradicted while the
    sentence states it from the other side, is asked a reading question with both sides as options
    (`rag.direction`, with `direction_question`; two calls), and the verdict turns when the evidence favours
    the other side (contradicted) or the mirrored sentence's side (supported) by `direction_margin`. A citation
    survives only if its source is judged to support the sentence; a sentence none of its citations
    supports is re-attached to the most similar other source that the judge says supports it (never to
    one that lacks a word the sentence takes from a cited title: `rag.names.subject_words`), else kept
    and marked with its worst verdict. At most `max_checks` judge calls per answer; sentences beyond that
    are not supported (not_enough_info)."""

    name = "entailment"
    needs_judge = True

    def _check(self, sentence: str, source: Source, similarity: np.ndarray, others: Sequence[Source] = ()) -> Check:
        if similarity.size == 0:
            return Check("not_enough_info", 0.0, None, False)
        abstract = self._abstract_sentences(source)
        closest = abstract[int(np.argmax(similarity))]
        if names_of_another_paper(sentence, source.text, [other.text for other in others]):
            return Check("not_enough_info", 0.0, closest, False)  # it names another source's method
        if self.settings.require_known_names and unknown_names(sentence, source.text):
            return Check("not_enough_info", 0.0, closest, False)  # it names what the source never mentions
        if not stated_values(sentence) <= values_in(source.text):  # "four case studies" where it says three
            states_values = bool(values_in(closest)) and float(similarity.max()) >= self.settings.support_threshold
            return Check("contradicted" if states_values else "not_enough_info", 0.0, closest, False)
        if self.settings.number_binding and (swap := misassigned_respectively(sentence, abstract)):
            return Check("contradicted", 0.0, swap.sentence, False)  # "respectively" gives it to another name
        # "B beats A" where it says A beats B: the abstract's words in another order, which the copy rule accepts.
        if self.settings.role_order and (reverse := swapped_roles(sentence, abstract, source.title)):
            return Check("contradicted", 0.0, reverse.sentence, False)
        if self.settings.antonym_check and (flip := flipped_word(sentence, abstract, source.title)):
            return Check("contradicted", 0.0, flip.sentence, False)  # "powerful" where it says "weak"
        if copy := copied_from(sentence, source.title, abstract):  # entailed word for word: no judge needed
            return Check("supported", 1.0, copy, False)
        if self.settings.number_binding and (swap := misattributed_number(sentence, abstract, source.title)):
            return Check("contradicted", 0.0, swap.sentence, False)  # the number belongs to something else
        if self.settings.number_binding and (swap := value_for_another_name(sentence, abstract, source.title)):
            return Check("contradicted", 0.0, swap.sentence, False)  # given for ImageNet, said of CIFAR-10
        if self.settings.number_binding and (misread := misread_difference(sentence, abstract)):
            return Check("contradicted", 0.0, misread.sentence, False)  # "improves by 5%" said as "reaches 5%"
        if float(similarity.max()) < self.settings.entailment_floor or self.judge is None:
            return Check("not_enough_info", 0.0, closest, False)
        # Every piece is bounded (an abstract may hold one enormous sentence; the judge has a finite context).
        read = self._shown(sentence, source, abstract, similarity)
        shown = [cap_tokens(s, JUDGE_SENTENCE_TOKENS) or "" for s in read]
        # A sentence read for the claim's own names and values (`_spelling`) decides it rather than the closest.
        reading_evidence = bool(source.evidence) and self.settings.judge_reads_evidence
        spelled = [s for s in read[len(source.evidence) :] if s != closest] if reading_evidence else []
        deciding = spelled[0] if spelled else closest
        try:
            judgment = self.judge.judge(sentence, source.title, shown)
        except TimeLimitExceeded:  # unchecked is not supported: the sentence is left out, and the user told why
            return Check("not_enough_info", 0.0, closest, False, out_of_time=True)
        second = False
        low, high = self.settings.second_opinion or (0.0, 0.0)
        if low <= judgment.supported < high:  # unsure: ask the yes/no question too
            try:
                yes = self.judge.second_opinion(sentence, source.title, shown, judgment)
                judgment = judgment.with_second_opinion(yes)
                second = True
            except TimeLimitExceeded:  # the first judgment stands (the next check finds the time up at once)
                pass
        threshold = self.settings.second_opinion_threshold if second else self.settings.entailment_threshold
        verdict = judgment.verdict(threshold)
        # The 1.5B judge reads "B is slower than A" against "A is faster than B" as a reversal.
        if verdict == "contradicted" and (restated := self._restated(sentence, source, abstract)):
            return Check("supported", round(judgment.supported, 4), restated, True, second_opinion=second)
        # Nor does it track which side of a comparison the evidence favours; a reading question does.
        reading = self._sides(sentence, source, shown, verdict)
        if reading is not None:
            if verdict == "contradicted" and reading.margin >= self.settings.direction_margin:
                verdict = "supported"
            elif verdict == "supported" and -reading.margin >= self.settings.direction_margin:
                verdict = "contradicted"
        asked = reading is not None
        return Check(verdict, round(judgment.supported, 4), deciding, True, second_opinion=second, sides_asked=asked)

    def _sides(self, sentence: str, source: Source, shown: list[str], verdict: Verdict) -> SideReading | None:
        """Which side of the sentence's comparison (`rag.roles.comparison`) the evidence `shown` favours,
        with `direction_question` (`rag.direction`). Asked when the judge called the sentence supported,
        or contradicted while the sentence states its comparison from the other side ("B is slower than
        A", the mirror the judge misreads; a comparison in the abstract's own order that it calls
        contradicted is wrong in something else, which the reading question does not check). Not asked
        when the sentence has a negation the evidence lacks or a name it never spells, nor once the time
        is up."""
        if not self.settings.direction_question or verdict == "not_enough_info" or self.judge is None:
            return None
        compared = comparison(sentence)
        if compared is None or (verdict == "contradicted" and not compared.mirrored):
            return None
        evidence = " ".join(shown)
        if not negations(sentence) <= negations(evidence) or unknown_names(sentence, f"{source.title} {evidence}"):
            return None
        try:
            return self.judge.which_side(compared, source.title, shown)
        except TimeLimitExceeded:
            return None

    def _restated(self, sentence: str, source: Source, abstract: list[str]) -> str | None:
        """With `role_order`, the abstract sentence stating a relation of `sentence` from the other side
        (`rag.roles.restated_relation`), provided it spells every name the sentence uses."""
        if not self.settings.role_order:
            return None
        restated = restated_relation(sentence, abstract, source.title)
        if restated is None or unknown_names(sentence, f"{source.title} {restated}"):
            return None
        return restated

    def _shown(self, sentence: str, source: Source, abstract: list[str], similarity: np.ndarray) -> list[str]:
        """The sentences the judge reads. For an answer's source, its evidence sentences (what the
        generator was shown, so the one it paraphrased is there even when MiniLM ranks it low), then the
        abstract sentence closest to the claim and the one spelling the claim's names and values that the
        evidence does not (`_spelling`), if they are not among them; the evidence comes first and is the
        same for every sentence citing the source, so the server's prompt cache prefills it once.
        Without evidence (`rag verify`), the `entailment_sentences` closest, in abstract order."""
        closest = abstract[int(np.argmax(similarity))]
        if source.evidence and self.settings.judge_reads_evidence:
            shown = [strip_truncation(s) for s in source.evidence]
            extra = [closest, *_spelling(sentence, shown, abstract)]
            return shown + [s for s in dict.fromkeys(extra) if s not in shown]
        return [abstract[k] for k in sorted(np.argsort(-similarity)[: self.settings.entailment_sentences])]

    def _prepare(
        self, parsed: list[tuple[str, list[int]]], sources: list[Source], similarities: list[np.ndarray]
    ) -> _JudgeBudget:
        """The judge calls left for this answer (spent by `_verify_sentence`)."""
        if self.judge is None:
            raise ComponentError("the entailment verifier needs an LLM judge (an LLM backend, or the local model)")
        return _JudgeBudget(self.settings.max_checks)

    def _unchecked(self, scratch: _JudgeBudget) -> int:
        return scratch.unchecked

    def _judge(
        self, budget: _JudgeBudget, sentence: str, source: Source, similarity: np.ndarray, sources: list[Source]
    ) -> Check:
        """`_check`, spending the budget; once the time limit has passed, no source is judged any more."""
        if budget.out_of_time:
            return Check("not_enough_info", 0.0, None, False, out_of_time=True)
        check = self._check(sentence, source, similarity, [s for s in sources if s is not source])
        budget.calls_left -= check.calls
        budget.out_of_time = check.out_of_time
        return check

    def _verify_sentence(
        self,
        i: int,
        text: str,
        cited: list[int],
        sources: list[Source],
        similarities: list[np.ndarray],
        scratch: _JudgeBudget,
    ) -> tuple[AnswerSentence, int]:
        budget = scratch
        valid = list(dict.fromkeys(n for n in cited if 1 <= n <= len(sources)))
        checks: dict[int, Check] = {}
        for n in valid:
            if budget.calls_left <= 0:
                break
            checks[n] = self._judge(budget, text, sources[n - 1], similarities[n - 1][i], sources)
        kept = [n for n, c in checks.items() if c.verdict == "supported"]
        if not kept and not any(c.verdict == "contradicted" for c in checks.values()):
            # Repair: the most similar other sources, while the judge budget lasts.
            others = sorted(
                (j for j in range(len(sources)) if j + 1 not in checks and similarities[j].size),
                key=lambda j: -float(similarities[j][i].max()),
            )
            cited_titles = [sources[n - 1].title for n in valid]
            for j in others[: self.settings.repair_candidates]:
                if budget.calls_left <= 0 or float(similarities[j][i].max()) < self.settings.entailment_floor:
                    break
                if subject_words(text, cited_titles, sources[j].text):
                    continue  # it is about the cited paper's subject, which this source never mentions
                check = self._judge(budget, text, sources[j], similarities[j][i], sources)
                if check.verdict == "supported":
                    checks[j + 1], kept = check, [j + 1]
                    break
        if kept:
            decider = checks[kept[0]]
        elif checks:
            decider = min(checks.values(), key=lambda c: (_SEVERITY[c.verdict], -c.support))
        else:
            decider = Check("not_enough_info", 0.0, None, False)
        if not kept and any(c.out_of_time for c in checks.values()):
            budget.unchecked += 1
        sentence = AnswerSentence(
            text=text,
            citations=kept,
            supported=bool(kept),
            support=max((checks[n].support for n in kept), default=decider.support),
            verdict="supported" if kept else decider.verdict,
            evidence=decider.evidence,
        )
        return sentence, len(cited) - len(kept)


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
