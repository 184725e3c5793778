"""One client path for every backend: an OpenAI-compatible endpoint, with bounded retries.

A dead, slow or failing endpoint (refused connection, timeout, HTTP 5xx, malformed response) is retried
with exponential backoff a bounded number of times, then reported as an `LLMEndpointError` that names
the endpoint; it never hangs and never surfaces a traceback to the user.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import openai
from openai import OpenAI

from rag.errors import RagError
from rag.settings import LLMSettings

RETRYABLE = (openai.APIConnectionError, openai.APITimeoutError, openai.InternalServerError)


class LLMEndpointError(RagError, RuntimeError):
    """The LLM endpoint could not produce an answer."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class LLMClient:
    base_url: str
    model: str
    api_key: str = "not-needed"
    timeout_s: float = 120.0
    attempts: int = 3
    backoff_s: float = 0.5
    max_tokens: int = 160
    temperature: float = 0.0

    @classmethod
    def from_settings(cls, llm: LLMSettings, base_url: str | None = None, model: str | None = None) -> LLMClient:
        """A client with `llm`'s timeout, retries and sampling, for `base_url`/`model` (default: llm's own)."""
        return cls(
            base_url=base_url or llm.base_url,
            model=model or llm.model,
            api_key=llm.api_key.get_secret_value() if llm.api_key else "not-needed",
            timeout_s=llm.timeout_s,
            attempts=llm.attempts,
            backoff_s=llm.backoff_s,
            max_tokens=llm.max_tokens,
            temperature=llm.temperature,
        )

    def __post_init__(self) -> None:
        self._client = OpenAI(base_url=self.base_url, api_key=self.api_key, timeout=self.timeout_s, max_retries=0)
        self.last_usage = Usage()

    def _fail(self, err: Exception) -> LLMEndpointError:
        reason = f"HTTP {err.status_code}" if isinstance(err, openai.APIStatusError) else type(err).__name__
        detail = str(err).splitlines()[0][:200] if str(err) else ""
        return LLMEndpointError(
            f"LLM endpoint {self.base_url} (model {self.model}) failed after {self.attempts} attempt(s): "
            f"{reason}{': ' + detail if detail else ''}"
        )

    def stream(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> Iterator[str]:
        """Yield completion text as it is generated. Retries only before the first token arrives."""
        for attempt in range(1, self.attempts + 1):
            emitted = chunks = False
            try:
                response = self._client.chat.completions.create(
                    model=self.model,
                    messages=messages,
                    max_tokens=max_tokens or self.max_tokens,
                    temperature=self.temperature,
                    stream=True,
                    stream_options={"include_usage": True},
                )
                # Closing the stream (also when the consumer stops early, e.g. the UI's Stop button)
                # drops the HTTP connection, which makes the server stop generating.
                with response:
                    for chunk in response:
                        chunks = True
                        if chunk.usage is not None:
                            self.last_usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                        if not chunk.choices:
                            continue
                        text = chunk.choices[0].delta.content
                        if text:
                            emitted = True
                            yield text
                if not chunks:
                    raise ValueError("the response held no completion events (not an OpenAI-compatible stream)")
                return
            except RETRYABLE as err:
                if emitted or attempt == self.attempts:
                    raise self._fail(err) from err
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            except (openai.APIError, ValueError, KeyError, TypeError, AttributeError) as err:
                # 4xx, or a body that is not an OpenAI response: retrying will not help.
                raise self._fail(err) from err

    def complete(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> str:
        return "".join(self.stream(messages, max_tokens))

    def first_token_choices(self, messages: list[dict[str, str]], top: int = 10) -> dict[str, float]:
        """Probability of each of the `top` likeliest first tokens of the reply (lower-cased, stripped).

        One greedy token with its log-probabilities: a judgment in one decode step. Streamed like every
        other call, so any endpoint that can answer can judge; one that returns no log-probabilities
        counts the text it generated as certain.
        """
        for attempt in range(1, self.attempts + 1):
            try:
                response = self._client.chat.completions.create(
                    model=self.model,
                    messages=messages,
                    max_tokens=1,
                    temperature=0.0,
                    logprobs=True,
                    top_logprobs=top,
                    stream=True,
                )
                probabilities: dict[str, float] = {}
                text = []
                with response:
                    for chunk in response:
                        if not chunk.choices:
                            continue
                        choice = chunk.choices[0]
                        content = choice.logprobs.content if choice.logprobs else None
                        if content and not probabilities:
                            for candidate in content[0].top_logprobs:
                                key = candidate.token.strip().lower()
                                probabilities[key] = probabilities.get(key, 0.0) + math.exp(candidate.logprob)
                        if choice.delta and choice.delta.content:
                            text.append(choice.delta.content)
                return probabilities or {"".join(text).strip().lower(): 1.0}
            except RETRYABLE as err:
                if attempt == self.attempts:
                    raise self._fail(err) from err
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            except (openai.APIError, ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
                raise self._fail(err) from err
        raise AssertionError("unreachable")
