"""Answer generators: the `Generator` interface, its registry (`GENERATORS`) and the built-in backends.

- `extractive`: no LLM; the best evidence sentence of each top source, cited.
- `openai`: any OpenAI-compatible endpoint (`llm.base_url`, `llm.model`, `llm.api_key`).
- `local`: the embedded Qwen2.5-Coder 1.5B, an OpenAI-compatible endpoint that the project starts.
A generator also condenses a follow-up question into a standalone one.
"""

from __future__ import annotations

import dataclasses
import sys
from abc import ABC, abstractmethod
from collections.abc import Generator as PyGenerator
from collections.abc import Sequence
from typing import ClassVar

from rag.answer_types import Source, Turn
from rag.answerability import abstain_threshold, probability_answerable
from rag.evidence import count_prompt_tokens, format_evidence
from rag.followup import heuristic_standalone, leaves_reference_open
from rag.llm.client import LLMClient, Usage
from rag.llm.model_files import MODEL_NAME, parts_installed
from rag.prompts import load_prompt, render
from rag.registry import Registry
from rag.settings import Settings


class Generator(ABC):
    """Writes a cited answer from numbered sources; registered in `GENERATORS` by `name`."""

    name: ClassVar[str]
    label: ClassVar[str]  # how the UI names it

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.usage = Usage()

    @classmethod
    def available(cls) -> bool:
        """Whether it can run on this machine as installed."""
        return True

    @property
    @abstractmethod
    def model(self) -> str:
        """The model behind it, as shown with every answer."""

    @abstractmethod
    def stream(self, question: str, sources: list[Source]) -> PyGenerator[str, None, None]:
        """The answer text as it is generated, `[n]` citing `sources[n-1]`; sets `usage`."""

    @abstractmethod
    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """`question` rewritten to stand alone, given the earlier turns."""

    def answerability(self, question: str, sources: list[Source]) -> float | None:
        """Probability that `sources` state the answer to `question`, judged by meaning; None if this
        generator cannot judge (then only the similarity gate of `rag.answerability` applies)."""
        return None


GENERATORS: Registry[type[Generator]] = Registry("backend")


def extractive_answer(sources: list[Source], settings: Settings) -> str:
    """The best evidence sentence of each of the top sources, each cited to its paper."""
    generation = settings.generation
    ranked = sorted(sources, key=lambda s: -s.relevance)[: generation.extractive_sentences]
    if not ranked:
        return ""
    # Only sentences nearly as relevant as the best one: a weak third sentence dilutes the answer.
    floor = max(abstain_threshold(settings.verification), ranked[0].relevance - generation.extractive_margin)
    ranked = [s for s in ranked if s.relevance >= floor]
    return " ".join(f"{s.best_evidence.rstrip('.')} [{s.n}]." for s in ranked)


@GENERATORS.register("extractive", "no LLM: the best evidence sentences, cited; instant and deterministic")
class ExtractiveGenerator(Generator):
    name = "extractive"
    label = "extractive (no LLM)"

    @property
    def model(self) -> str:
        return "extractive"

    def stream(self, question: str, sources: list[Source]) -> PyGenerator[str, None, None]:
        yield extractive_answer(sources, self.settings)

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        return heuristic_standalone(question, history)


def llm_messages(question: str, sources: list[Source]) -> list[dict[str, str]]:
    """System prompt, one worked example, then the question with its numbered evidence."""
    # Without the worked example (prompts/example_*.txt) the small embedded model often answers with bare
    # markers ("[1] [2]"). The prefix is identical across questions, so llama.cpp caches its prefill.
    example_user = render("answer", evidence=load_prompt("example_evidence"), question=load_prompt("example_question"))
    return [
        {"role": "system", "content": load_prompt("system")},
        {"role": "user", "content": example_user},
        {"role": "assistant", "content": load_prompt("example_answer")},
        {"role": "user", "content": render("answer", evidence=format_evidence(sources), question=question)},
    ]


def history_text(history: Sequence[Turn], turns: int) -> str:
    recent = history[-turns:] if turns else []
    return "\n".join(f"{t.role}: {t.content.strip()}" for t in recent)


@GENERATORS.register("openai", "any OpenAI-compatible endpoint (llm.base_url, llm.model, llm.api_key)")
class OpenAICompatibleGenerator(Generator):
    name = "openai"
    label = "OpenAI-compatible"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._client: LLMClient | None = None

    @property
    def model(self) -> str:
        return self.settings.llm.model

    def endpoint(self) -> str:
        """Base URL of the endpoint (`/v1` included)."""
        return self.settings.llm.base_url

    @property
    def client(self) -> LLMClient:
        if self._client is None:
            self._client = LLMClient.from_settings(self.settings.llm, base_url=self.endpoint(), model=self.model)
        return self._client

    def stream(self, question: str, sources: list[Source]) -> PyGenerator[str, None, None]:
        messages = llm_messages(question, sources)
        yield from self.client.stream(messages)
        usage = self.client.last_usage
        if not usage.prompt_tokens:  # an endpoint that reports no usage: count the prompt ourselves
            usage = dataclasses.replace(usage, prompt_tokens=count_prompt_tokens(str(messages)))
        self.usage = usage

    def answerability(self, question: str, sources: list[Source]) -> float | None:
        return probability_answerable(self.client, llm_messages(question, sources))

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        generation = self.settings.generation
        prompt = render("condense", history=history_text(history, generation.history_turns), question=question)
        reply = self.client.complete([{"role": "user", "content": prompt}], max_tokens=generation.condense_max_tokens)
        lines = reply.strip().splitlines()
        candidate = lines[0].strip().strip('"') if lines else ""
        # A rewrite that lost the follow-up, came back empty or resolved nothing is worse than the heuristic.
        if len(candidate) <= 8 or leaves_reference_open(candidate, question, history):
            return heuristic_standalone(question, history)
        return candidate


@GENERATORS.register("local", "the embedded Qwen2.5-Coder 1.5B behind llama.cpp's server on 127.0.0.1")
class LocalGenerator(OpenAICompatibleGenerator):
    name = "local"
    label = "local"

    @classmethod
    def available(cls) -> bool:
        return parts_installed()

    @property
    def model(self) -> str:
        return MODEL_NAME

    def endpoint(self) -> str:
        from rag.llm.local_server import ensure_server

        return ensure_server(self.settings) + "/v1"


def resolve_backend(settings: Settings) -> str:
    """`generation.backend`, else `local` when its model is installed, else `extractive` (with a notice)."""
    if settings.generation.backend:
        GENERATORS.entry(settings.generation.backend)  # a clear error for an unknown name
        return settings.generation.backend
    if LocalGenerator.available():
        return LocalGenerator.name
    print("notice: the embedded model is not installed (`make model`); using the extractive backend", file=sys.stderr)
    return ExtractiveGenerator.name


def make_generator(settings: Settings) -> Generator:
    return GENERATORS.get(resolve_backend(settings))(settings)
