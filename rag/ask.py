"""`ask()`: retrieve, select evidence, decide answerability, generate, verify citations.

Answerability is decided by retrieval (the evidence score), never by the LLM: the small model always
answers something, so a question whose best evidence sentence is below the calibrated threshold gets
an honest abstention with the nearest papers instead.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag import config
from rag.answer_types import Answer, AnswerSentence, Source, Timings
from rag.embedding import MiniLMEmbedding
from rag.evidence import SentenceIndex, count_prompt_tokens, format_evidence, select_evidence
from rag.followup import heuristic_standalone
from rag.llm.backends import make_client, model_label, resolve_backend
from rag.prompts import load_prompt, render
from rag.retrieve import Searcher, SearchFilters, get_searcher
from rag.verify import Verifier, render_answer

MAX_QUESTION_CHARS = 1000
ABSTENTION_TEXT = "The collection does not answer this question. The nearest papers are listed as sources."
NEAREST_ON_ABSTAIN = 3
EXTRACTIVE_SENTENCES = 3
EXTRACTIVE_MARGIN = 0.12
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


@functools.cache
def abstain_threshold() -> float:
    return float(json.loads(CALIBRATION_FILE.read_text())["abstain_below"])


class Pipeline:
    """Everything `ask()` needs, loaded once per index directory."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.embedder: MiniLMEmbedding = searcher.embedder
        self.sentence_index = SentenceIndex(self.embedder)
        self.verifier = Verifier(self.embedder, self.sentence_index)


_pipelines: dict[Path, Pipeline] = {}
_pipelines_lock = threading.Lock()


def get_pipeline(index_dir: str | Path | None = None) -> Pipeline:
    root = config.index_dir(index_dir)
    with _pipelines_lock:
        if root not in _pipelines:
            _pipelines[root] = Pipeline(get_searcher(root))
        return _pipelines[root]


def validate_question(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise ValueError("empty question: type a question about the papers")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"question too long ({len(question)} characters; at most {MAX_QUESTION_CHARS})")
    return question


def _history_text(history: Sequence[dict[str, Any]]) -> str:
    return "\n".join(f"{t.get('role', 'user')}: {str(t.get('content', '')).strip()}" for t in history[-4:])


def standalone_question(question: str, history: Sequence[dict[str, Any]], backend: str) -> str:
    if not history:
        return question
    if backend == "extractive":
        return heuristic_standalone(question, history)
    client = make_client(backend)
    prompt = render("condense", history=_history_text(history), question=question)
    rewritten = client.complete([{"role": "user", "content": prompt}], max_tokens=60).strip().splitlines()
    candidate = rewritten[0].strip().strip('"') if rewritten else ""
    # A rewrite that lost the follow-up or came back empty is worse than the heuristic.
    return candidate if len(candidate) > 8 else heuristic_standalone(question, history)


def gather_evidence(
    pipeline: Pipeline, question: str, query: str, k: int = 5, filters: SearchFilters | None = None
) -> list[Source]:
    """Retrieve papers for the standalone `query` and pick their evidence sentences."""
    hits = pipeline.searcher.search(query, k=k, filters=filters)
    # Evidence is scored against both the standalone query and the follow-up as asked: retrieval already
    # narrowed the papers to the referent, and the follow-up's own words say what is wanted of it.
    vectors = pipeline.embedder.embed([query, question] if query != question else [query])
    question_vector = vectors.mean(axis=0)
    question_vector /= np.linalg.norm(question_vector)
    return select_evidence(question_vector, hits, pipeline.sentence_index)


def extractive_answer(sources: list[Source]) -> str:
    """The best evidence sentence of each of the top sources, each cited to its paper."""
    ranked = sorted(sources, key=lambda s: -s.evidence_score)[:EXTRACTIVE_SENTENCES]
    # Only sentences nearly as relevant as the best one: a weak third sentence dilutes the answer.
    floor = max(abstain_threshold(), ranked[0].evidence_score - EXTRACTIVE_MARGIN)
    ranked = [s for s in ranked if s.evidence_score >= floor]
    return " ".join(f"{s.best_evidence.rstrip('.')} [{s.n}]." for s in ranked)


def llm_messages(question: str, sources: list[Source]) -> list[dict[str, str]]:
    # One worked example (prompts/example_*.txt) before the real turn: without it the small embedded model
    # often answers with bare markers ("[1] [2]"). The prefix is identical across questions, so
    # llama.cpp's prompt cache pays its prefill only once.
    example_user = render("answer", evidence=load_prompt("example_evidence"), question=load_prompt("example_question"))
    return [
        {"role": "system", "content": load_prompt("system")},
        {"role": "user", "content": example_user},
        {"role": "assistant", "content": load_prompt("example_answer")},
        {"role": "user", "content": render("answer", evidence=format_evidence(sources), question=question)},
    ]


def ask_stream(
    question: str,
    history: Sequence[dict[str, Any]] | None = None,
    *,
    backend: str | None = None,
    k: int = 5,
    index_dir: str | Path | None = None,
    filters: SearchFilters | None = None,
) -> Iterator[str | Answer]:
    """Yield answer text as it is generated, then the verified `Answer` as the last item."""
    started = time.perf_counter()
    question = validate_question(question)
    backend = resolve_backend(backend)
    history = list(history or [])
    pipeline = get_pipeline(index_dir)

    query = standalone_question(question, history, backend)
    sources = gather_evidence(pipeline, question, query, k, filters)
    timings = Timings(retrieve_s=round(time.perf_counter() - started, 4))
    best = max((s.evidence_score for s in sources), default=0.0)
    common = {"question": question, "backend": backend, "model": model_label(backend), "standalone_question": query}

    if best < abstain_threshold():
        nearest = sources[:NEAREST_ON_ABSTAIN]
        yield ABSTENTION_TEXT
        timings.total_s = round(time.perf_counter() - started, 4)
        yield Answer(answer=ABSTENTION_TEXT, abstained=True, sentences=[], sources=nearest, timings=timings, **common)
        return

    prompt_tokens = completion_tokens = 0
    if backend == "extractive":
        draft = extractive_answer(sources)
        timings.first_token_s = round(time.perf_counter() - started, 4)
        yield draft
    else:
        client = make_client(backend)
        messages = llm_messages(question, sources)
        pieces: list[str] = []
        for piece in client.stream(messages):
            if not pieces:
                timings.first_token_s = round(time.perf_counter() - started, 4)
            pieces.append(piece)
            yield piece
        draft = "".join(pieces)
        prompt_tokens = client.last_usage.prompt_tokens or count_prompt_tokens(str(messages))
        completion_tokens = client.last_usage.completion_tokens

    sentences, dropped = pipeline.verifier.verify(draft, sources)
    notice = None
    if not sentences and backend != "extractive":
        # Small models sometimes reply with bare markers ("[1]"): show the cited evidence instead of nothing.
        sentences, _ = pipeline.verifier.verify(extractive_answer(sources), sources)
        notice = "The model returned no answer text; showing the best evidence sentences instead."
    timings.total_s = round(time.perf_counter() - started, 4)
    yield Answer(
        answer=render_answer(sentences),
        abstained=False,
        sentences=sentences,
        sources=sources,
        timings=timings,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        dropped_citations=dropped,
        draft=draft,
        notice=notice,
        **common,
    )


def ask(
    question: str,
    history: Sequence[dict[str, Any]] | None = None,
    *,
    backend: str | None = None,
    k: int = 5,
    index_dir: str | Path | None = None,
    filters: SearchFilters | None = None,
) -> Answer:
    """Answer `question` from the indexed papers, every sentence cited and checked."""
    final = None
    for item in ask_stream(question, history, backend=backend, k=k, index_dir=index_dir, filters=filters):
        if isinstance(item, Answer):
            final = item
    assert final is not None
    return final


__all__ = ["Answer", "AnswerSentence", "ask", "ask_stream"]
