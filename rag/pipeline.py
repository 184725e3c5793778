"""`ask()` / `ask_stream()`: retrieve, select evidence, decide answerability, generate, verify citations.

The pipeline is assembled from `Settings`: the retriever (`retrieval.mode`), the generator
(`generation.backend`) and the verifier (`verification.verifier`) are looked up in their registries.
Answerability is decided before generation (`rag.answerability`): by similarity on every backend, and
by the LLM's own yes/no judgment of the evidence on LLM backends (asked apart from the answer: left to
itself, the small model always answers something). When the verifier rejects every sentence of a draft,
the evidence sentence stating a rejected sentence's own facts is quoted instead (`rag.quoting`), else
the answer abstains.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Generator as PyGenerator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from pydantic import TypeAdapter, ValidationError

from rag.answer_types import Answer, AnswerSentence, Source, Timings, Turn
from rag.answerability import answerable_threshold, should_abstain
from rag.errors import InputError
from rag.evidence import RankSimilarity, select_evidence
from rag.focus import answer_from_first
from rag.generate import ExtractiveGenerator, Generator, extractive_answer, make_generator
from rag.intent import question_intent
from rag.judges import make_verifier
from rag.llm.deadline import TimeLimit
from rag.names import unspelled_question_names
from rag.quoting import quoted_evidence
from rag.relevance import (
    question_vector,
    split_nameless,
    split_numberless,
    split_off_question_names,
    split_off_the_first_paper,
    split_off_topic,
    split_other_conditions,
    split_other_counts,
    split_restated,
    split_unaddressed_comparison,
    split_uncited_names,
    split_value_for_another_setting,
)
from rag.rerank import shared_e5_ranker
from rag.retrieve import Searcher, SearchFilters, get_searcher
from rag.sentences import SentenceIndex
from rag.settings import Settings
from rag.text import ends_mid_clause
from rag.verification import EmbeddingVerifier, Verifier, render_answer

ABSTENTION_TEXT = "The collection does not answer this question. The nearest papers are listed as sources."
RELATED_ABSTENTION_TEXT = (
    "The collection has related papers but none of them states this. The nearest papers are listed as sources."
)
UNKNOWN_NAMES_TEXT = (
    "The collection has related papers, but none of them mentions {names}. The nearest papers are listed as sources."
)
# A relevance rule: (sentences kept, sentences left out).
_Split = Callable[[list[AnswerSentence]], tuple[list[AnswerSentence], list[AnswerSentence]]]
FALLBACK_NOTICE = "The model returned no answer text; showing the best evidence sentences instead."
RESTATED_NOTICE = "The model's answer only restated the question; showing the best evidence sentences instead."
QUOTED_NOTICE = (
    "The model's wording did not pass the checks; the evidence sentences stating what it said are shown instead."
)
RESTATES_REASON = "restates the question without answering it"
TRUNCATED_NOTICE = "The answer may be incomplete: the LLM endpoint ended its reply without saying it had finished."
UNCHECKED_NOTICE = (
    "{n} sentence(s) were left out: the answer's time limit ({seconds:g} s, llm.total_deadline_s) passed "
    "before they could be checked."
)
_HISTORY = TypeAdapter(list[Turn])


def validate_question(question: str, max_chars: int) -> str:
    question = (question or "").strip()
    if not question:
        raise InputError("empty question: type a question about the papers")
    if len(question) > max_chars:
        raise InputError(f"question too long ({len(question)} characters; at most {max_chars})")
    return question


def validate_history(history: Sequence[Turn | Mapping[str, Any]] | None) -> list[Turn]:
    """Earlier turns as `Turn`s; anything else is an `InputError` that says what a turn looks like."""
    if history is None:
        return []
    if isinstance(history, str | bytes | Mapping) or not isinstance(history, Sequence):
        raise InputError('history must be a list of turns: [{"role": "user" | "assistant", "content": "..."}]')
    try:
        return _HISTORY.validate_python([t.model_dump() if isinstance(t, Turn) else t for t in history])
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(
            f'history[{where}]: {first["msg"]}; each turn is {{"role": "user" | "assistant", "content": "..."}}'
        ) from None


class Evidence(NamedTuple):
    sources: list[Source]  # evidence from every retrieved paper: the similarity gate, abstentions
    answer_sources: list[Source]  # what the answer is written from: every paper or the first alone (rag.focus)
    question_vector: np.ndarray  # what evidence and answer sentences are scored against (rag.relevance)


class AnswerStream:
    """Iterate to get the answer text as it is generated; afterwards `.answer` is the verified `Answer`.

    Reading `.answer` before the end finishes the stream first. `close()` stops generation (the LLM
    connection is dropped) and leaves `.answer` unset.
    """

    def __init__(self, run: PyGenerator[str, None, Answer]) -> None:
        self._run = run
        self._answer: Answer | None = None
        self._done = False

    def __iter__(self) -> Iterator[str]:
        while not self._done:
            try:
                piece = next(self._run)
            except StopIteration as finished:
                self._answer, self._done = finished.value, True
                return
            yield piece

    @property
    def answer(self) -> Answer:
        for _ in self:
            pass
        if self._answer is None:
            # Reading the answer of a stream the caller closed is a caller bug, not a user error.
            raise RuntimeError("the answer stream was closed before it finished")
        return self._answer

    def close(self) -> None:
        self._run.close()
        self._done = True


class Pipeline:
    """One question-answering pipeline, assembled from `settings`."""

    def __init__(self, settings: Settings, searcher: Searcher | None = None) -> None:
        self.settings = settings
        self.searcher = searcher or get_searcher(settings)
        self.generator: Generator = make_generator(settings)
        self.verifier: Verifier = make_verifier(
            settings, self.searcher.embedder, self.searcher.sentence_index, self.generator
        )

    def gather_evidence(self, question: str, query: str, filters: SearchFilters | None = None) -> Evidence:
        """Retrieve papers for the standalone `query` and pick their evidence sentences; the answer is
        written from the first paper alone when the question asks about one paper and both retrieval and
        the evidence agree on it (`rag.focus`), with `evidence.focus_sentences` of it, or
        `evidence.explain_sentences` for a how or why question. The gates' `sources` are MiniLM's choice;
        the answer's may hold other sentences of the first paper (`evidence.first_paper_ranker`)."""
        settings = self.settings.evidence
        hits = self.searcher.search(query, k=settings.papers, filters=filters, retrieval=self.settings.retrieval)
        vector = question_vector(self.searcher.embedder, query, question)
        index = self.searcher.sentence_index
        sources = select_evidence(vector, hits, index, settings, query)
        rerank = self._first_paper_reranking(query, question)
        if not answer_from_first(hits, sources, settings.focus_ratio, question, query):
            reranked = sources if rerank is None else select_evidence(vector, hits, index, settings, query, rerank)
            return Evidence(sources, reranked, vector)
        explains = question_intent(query) in ("how", "why")
        places = settings.explain_sentences if explains else settings.focus_sentences
        one_paper = settings.model_copy(update={"max_sentences_per_paper": places})
        return Evidence(sources, select_evidence(vector, hits[:1], index, one_paper, query, rerank), vector)

    def _first_paper_reranking(self, query: str, question: str) -> RankSimilarity | None:
        """What picks the first paper's sentences for the answer: e5-small (`rag.rerank`), or None for MiniLM.
        By default e5 for LLM backends only: the extractive answer is the top sentence itself, and e5 was
        measured with a model that reads all of the few sentences shown."""
        chosen = self.settings.evidence.first_paper_ranker
        if chosen is None:
            chosen = "minilm" if self.generator.name == ExtractiveGenerator.name else "e5"
        if chosen != "e5":
            return None
        ranker = shared_e5_ranker()
        return lambda paper, sentences: ranker.similarity(SentenceIndex.key(paper), sentences, [query, question])

    def standalone_question(self, question: str, history: Sequence[Turn]) -> str:
        """`question` as retrieval and the gates see it: condensed by the generator when it follows up."""
        return self.generator.condense(question, history) if history else question

    def asks_llm_gate(self, query: str) -> bool:
        """Whether the LLM gate is asked about this (standalone) question: only for the gated intents."""
        return question_intent(query) in self.settings.verification.answerability_intents

    def llm_answerability(self, question: str, query: str, history: Sequence[Turn], evidence: Evidence) -> float | None:
        """The LLM gate's P(the sources state the answer), None if the model said neither yes nor no.
        A follow-up is judged as the standalone question; a first question exactly as the answer prompt
        will hold it, so the answer's prefill comes from the server's prompt cache."""
        return self.generator.answerability(query if history else question, evidence.answer_sources)

    def stream(
        self,
        question: str,
        history: Sequence[Turn | Mapping[str, Any]] | None = None,
        filters: SearchFilters | None = None,
    ) -> AnswerStream:
        question = validate_question(question, self.settings.generation.max_question_chars)
        return AnswerStream(self._run(question, validate_history(history), filters))

    def _split_off_the_question(
        self, sentences: list[AnswerSentence], evidence: Evidence, sources: list[Source], question: str, query: str
    ) -> tuple[list[AnswerSentence], list[AnswerSentence]]:
        """(sentences kept, supported sentences left out as off the question, each with its `left_out`
        reason), by the relevance rules the settings turn on (`rag.relevance`)."""
        checks = self.settings.verification
        # (turned on, the reason a left-out sentence carries, the rule), applied in this order.
        rules: list[tuple[bool, str, _Split]] = [
            (
                True,
                "about another paper, and far less related to the question",
                lambda s: split_off_topic(s, evidence.question_vector, self.searcher.embedder, checks.off_topic_margin),
            ),
            (
                checks.require_first_paper,
                "the question asks about one paper, and this sentence cites only others",
                lambda s: split_off_the_first_paper(s, question, query),
            ),
            (
                checks.require_question_names,
                "cites no source that uses the name the question asks about",
                lambda s: split_off_question_names(s, query, sources),
            ),
            (
                checks.require_cited_names,
                "the question names something the cited abstract never mentions",
                lambda s: split_uncited_names(s, sources, question),
            ),
            (
                checks.require_compared_names,
                "the sources do not state the comparison asked for",
                lambda s: split_unaddressed_comparison(s, sources, question, query),
            ),
            (checks.drop_restatements, RESTATES_REASON, lambda s: split_restated(s, question, query)),
            (
                checks.require_asked_setting,
                "the cited abstract gives this value for another setting than the one asked about",
                lambda s: split_value_for_another_setting(s, sources, question, query),
            ),
            (
                checks.require_asked_condition,
                "the question asks about one condition, and this sentence is about the contrasting one",
                lambda s: split_other_conditions(s, question, query),
            ),
            (
                checks.require_asked_count,
                "the question asks how many of something, and this sentence counts something else or nothing",
                lambda s: split_other_counts(s, question, query),
            ),
            (
                checks.require_number,
                "the question asks for a number, and no sentence gives one",
                lambda s: split_numberless(s, question, query),
            ),
            (
                checks.require_name,
                "the question asks for a name, and no sentence gives one",
                lambda s: split_nameless(s, question, query),
            ),
        ]
        left_out: list[AnswerSentence] = []
        for turned_on, reason, split in rules:
            if not turned_on:
                continue
            sentences, out = split(sentences)
            left_out += [sentence.model_copy(update={"left_out": reason}) for sentence in out]
        return sentences, left_out

    def _run(self, question: str, history: list[Turn], filters: SearchFilters | None) -> PyGenerator[str, None, Answer]:
        started = time.perf_counter()
        # One deadline for every LLM call of this answer. It is activated around each step, never across a
        # `yield`: the consumer may resume this generator on another thread.
        limit = TimeLimit.starting_now(self.settings.llm.total_deadline_s)
        generator = self.generator
        with limit.active():
            query = self.standalone_question(question, history)
        evidence = self.gather_evidence(question, query, filters)
        timings = Timings(retrieve_s=round(time.perf_counter() - started, 4))
        common = {
            "question": question,
            "backend": generator.name,
            "model": generator.model,
            "standalone_question": query,
        }

        with limit.active():
            abstention, answerability = self._abstention(question, query, history, evidence)
        if abstention is not None:
            yield abstention
            timings.total_s = round(time.perf_counter() - started, 4)
            return self._abstained(abstention, evidence.sources, timings=timings, answerability=answerability, **common)
        sources = evidence.answer_sources

        pieces: list[str] = []
        stream = generator.stream(question, sources)
        try:
            while True:
                with limit.active():
                    piece = next(stream, None)
                if piece is None:
                    break
                if not pieces:
                    timings.first_token_s = round(time.perf_counter() - started, 4)
                pieces.append(piece)
                yield piece
        finally:  # also when the consumer stops early: closing drops the LLM connection
            stream.close()
        draft = "".join(pieces)

        with limit.active():
            sentences, dropped, unchecked = self.verifier.verify(draft, sources)
        notice = UNCHECKED_NOTICE.format(n=unchecked, seconds=limit.seconds) if unchecked else None
        if not sentences and (shown := self._evidence_instead(draft, sources)) is not None:
            # Small models sometimes reply with bare markers ("[1]"): show the cited evidence instead of nothing.
            sentences = shown
            notice = f"{notice} {FALLBACK_NOTICE}" if notice else FALLBACK_NOTICE
        removed: list[AnswerSentence] = []
        if self.settings.verification.drop_unsupported:
            removed = [s for s in sentences if not s.supported]
            sentences = [s for s in sentences if s.supported]
        sentences, off_topic = self._split_off_the_question(sentences, evidence, sources, question, query)
        restated = any(s.left_out == RESTATES_REASON for s in off_topic) and question_intent(question) in ("how", "why")
        if not sentences and restated and (shown := self._evidence_instead(draft, sources)) is not None:
            # "How can X be done?" - "X can be done": the evidence chosen for the question says more.
            sentences = [s for s in shown if s.supported]
            notice = f"{notice} {RESTATED_NOTICE}" if notice else RESTATED_NOTICE
        # A sentence the time limit left unchecked was not rejected; one cut short states no fact to quote,
        # nor does one that only restates a question other than how/why. (Replayed on the seen sets' saved
        # answers: after such a how/why restatement, quoting gave 2 right answers; after others, 3 answers
        # to near-miss questions, 2 wrong ones and no right one.)
        rejected = [s for s in removed if not ends_mid_clause(s.text)] if not unchecked else []
        if self.settings.verification.drop_restatements and question_intent(question) not in ("how", "why"):
            rejected, _ = split_restated(rejected, question, query)
        if not sentences and rejected and (quoted := self._quoted_instead(rejected, sources, question, query)):
            # Every sentence was rejected, but their facts stand in the evidence: quote it (`rag.quoting`).
            sentences, more_off_topic = self._split_off_the_question(quoted, evidence, sources, question, query)
            off_topic += more_off_topic
            if sentences:
                notice = f"{notice} {QUOTED_NOTICE}" if notice else QUOTED_NOTICE
        timings.total_s = round(time.perf_counter() - started, 4)
        usage = generator.usage
        if usage.truncated:  # the endpoint closed the stream without a finish reason
            notice = f"{notice} {TRUNCATED_NOTICE}" if notice else TRUNCATED_NOTICE
        answered = {
            "timings": timings,
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "dropped_citations": dropped,
            "draft": draft,
            "removed": removed,
            "off_topic": off_topic,
            "answerability": answerability,
            "truncated": usage.truncated,
            **common,
        }
        if not sentences and (removed or off_topic):
            # Every sentence was contradicted, unstated or about something else: the collection does not say this.
            return self._abstained(RELATED_ABSTENTION_TEXT, sources, notice=notice, **answered)
        return Answer(
            answer=render_answer(sentences),
            abstained=False,
            sentences=sentences,
            sources=sources,
            notice=notice,
            **answered,
        )

    def _abstained(self, text: str, sources: list[Source], **fields: Any) -> Answer:
        """An abstention that lists the nearest of `sources`."""
        nearest = sources[: self.settings.generation.nearest_on_abstain]
        return Answer(answer=text, abstained=True, sentences=[], sources=nearest, **fields)

    def _evidence_instead(self, draft: str, sources: list[Source]) -> list[AnswerSentence] | None:
        """The extractive answer's sentences (the best evidence, cited), checked by similarity since they
        are copied from the evidence; None when there is none or it is the draft itself."""
        fallback = extractive_answer(sources, self.settings)
        if not fallback or fallback == draft:
            return None
        return self._copy_verifier().verify(fallback, sources).sentences

    def _quoted_instead(
        self, rejected: list[AnswerSentence], sources: list[Source], question: str, query: str
    ) -> list[AnswerSentence]:
        """The evidence sentences stating every fact of some rejected sentence (`rag.quoting`), cited and
        checked by similarity since they are copies; none without `verification.quote_rejected_facts`."""
        if not self.settings.verification.quote_rejected_facts:
            return []
        quoted = quoted_evidence([s.text for s in rejected], sources, f"{question} {query}")
        if not quoted:
            return []
        text = " ".join(f"{sentence.rstrip('.!? ')} [{n}]." for n, sentence in quoted)
        return [s for s in self._copy_verifier().verify(text, sources).sentences if s.supported]

    def _copy_verifier(self) -> Verifier:
        return EmbeddingVerifier(self.settings.verification, self.searcher.embedder, self.searcher.sentence_index)

    def _abstention(
        self, question: str, query: str, history: list[Turn], evidence: Evidence
    ) -> tuple[str | None, float | None]:
        """(abstention text or None, the LLM gate's probability that the sources answer, if it was asked).
        The similarity gate and the question's names look at every retrieved paper; the LLM gate at what the
        answer is written from."""
        verification = self.settings.verification
        if should_abstain(evidence.sources, verification, self.generator.model):
            return ABSTENTION_TEXT, None
        # "How accurate is SGUQ on the ADNI cohort?" when no retrieved paper mentions ADNI: the answer
        # could only give SGUQ's accuracy on another dataset, which the verifier would rightly accept.
        if verification.require_known_question_names and (
            unknown := unspelled_question_names(question, [source.text for source in evidence.sources])
        ):
            return UNKNOWN_NAMES_TEXT.format(names=" or ".join(unknown)), None
        threshold = answerable_threshold(verification, self.generator.model)
        if threshold <= 0 or not self.asks_llm_gate(query):
            return None, None
        answerability = self.llm_answerability(question, query, history, evidence)
        if answerability is None:  # the model said neither yes nor no: the similarity gate decided
            return None, None
        answerability = round(answerability, 4)
        return (RELATED_ABSTENTION_TEXT if answerability < threshold else None), answerability


def resolve_settings(
    settings: Settings | None = None,
    *,
    backend: str | None = None,
    k: int | None = None,
    index_dir: str | Path | None = None,
) -> Settings:
    """`settings` (default: `Settings.load()`) with the convenience arguments of `ask()` applied."""
    overrides = {"generation.backend": backend, "evidence.papers": k, "index.dir": index_dir}
    return (settings or Settings.load()).with_overrides(overrides)


def ask_stream(
    question: str,
    history: Sequence[Turn | Mapping[str, Any]] | None = None,
    *,
    settings: Settings | None = None,
    backend: str | None = None,
    k: int | None = None,
    index_dir: str | Path | None = None,
    filters: SearchFilters | None = None,
) -> AnswerStream:
    """Stream an answer: iterate for text pieces, then read `.answer` for the verified `Answer`.

    `backend`, `k` (papers to draw evidence from) and `index_dir` override the matching `settings` fields.
    """
    chosen = resolve_settings(settings, backend=backend, k=k, index_dir=index_dir)
    return Pipeline(chosen).stream(question, history, filters)


def ask(
    question: str,
    history: Sequence[Turn | Mapping[str, Any]] | None = None,
    *,
    settings: Settings | None = None,
    backend: str | None = None,
    k: int | None = None,
    index_dir: str | Path | None = None,
    filters: SearchFilters | None = None,
) -> Answer:
    """Answer `question` from the indexed papers, every sentence cited and checked."""
    stream = ask_stream(
        question, history, settings=settings, backend=backend, k=k, index_dir=index_dir, filters=filters
    )
    return stream.answer


__all__ = ["ABSTENTION_TEXT", "AnswerStream", "Pipeline", "ask", "ask_stream", "resolve_settings"]
