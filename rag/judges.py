"""Which verifier checks answers, and which LLM judges meaning for it, chosen from Settings.

`verification.verifier` unset means: `entailment` for LLM backends, `embedding` for `extractive` (whose
sentences are copied verbatim from the evidence, so similarity is the right test there). The judge is
the answering backend's own endpoint and model; with `extractive` and an explicit `entailment` verifier
it is the embedded local model.
"""

from __future__ import annotations

from collections.abc import Callable

from rag.embedding import MiniLMEmbedding
from rag.entailment import EntailmentJudge
from rag.errors import ComponentError
from rag.generate import ExtractiveGenerator, Generator, LocalGenerator, OpenAICompatibleGenerator
from rag.llm.client import LLMClient
from rag.sentences import SentenceIndex
from rag.settings import Settings
from rag.verification import VERIFIERS, Verifier


def verifier_name(settings: Settings, backend: str) -> str:
    chosen = settings.verification.verifier
    if chosen:
        return chosen
    return "embedding" if backend == ExtractiveGenerator.name else "entailment"


def judge_client(settings: Settings, generator: Generator | None) -> Callable[[], LLMClient]:
    """A factory of the LLM client that judges: the generator's own, else the embedded local model's."""
    if isinstance(generator, OpenAICompatibleGenerator):
        return lambda: generator.client
    if not LocalGenerator.available():
        raise ComponentError(
            "the entailment verifier needs an LLM: choose an LLM backend, install the local model (`make model`), "
            "or set verification.verifier=embedding"
        )
    local = LocalGenerator(settings)
    return lambda: local.client


def make_verifier(
    settings: Settings,
    embedder: MiniLMEmbedding,
    sentence_index: SentenceIndex,
    generator: Generator | None = None,
) -> Verifier:
    """The configured verifier, with an entailment judge if it needs one (created lazily per verifier)."""
    backend = generator.name if generator is not None else (settings.generation.backend or LocalGenerator.name)
    verifier_class = VERIFIERS.get(verifier_name(settings, backend))
    judge = EntailmentJudge(judge_client(settings, generator)) if verifier_class.needs_judge else None
    return verifier_class(settings.verification, embedder, sentence_index, judge=judge)


__all__ = ["judge_client", "make_verifier", "verifier_name"]
