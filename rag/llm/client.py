"""One client path for every backend: an OpenAI-compatible endpoint, with bounded retries and deadlines.

A dead, slow or failing endpoint (refused connection, timeout, HTTP 5xx, malformed response) is retried
with exponential backoff a bounded number of times, then reported as an `LLMEndpointError` that names
the endpoint; it never hangs and never surfaces a traceback to the user. Three clocks bound a call:
`timeout_s` without a byte, `request_deadline_s` per request (body included: an endpoint that trickles
keep-alive lines is cut off) and `answer_deadline_s` for all attempts of one call; a fourth, the whole
answer's `TimeLimit` (`llm.total_deadline_s`), ends every call made while it is active. A stream that ends
without a finish reason (the connection closed mid-answer) is recorded as `Usage.truncated`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import openai
from openai import OpenAI

from rag.errors import RagError
from rag.llm.deadline import (
    DeadlineExceeded,
    DeadlineTransport,
    TimeLimit,
    current_time_limit,
    deadline_for_this_thread,
)
from rag.settings import LLMSettings

# httpx.TransportError: raised unwrapped while a streamed body is read (e.g. the connection drops).
RETRYABLE = (openai.APIConnectionError, openai.APITimeoutError, openai.InternalServerError, httpx.TransportError)


class LLMEndpointError(RagError, RuntimeError):
    """The LLM endpoint could not produce an answer."""


class TimeLimitExceeded(LLMEndpointError):
    """The whole answer's time limit (`llm.total_deadline_s`) passed before this call could finish."""

    def __init__(self, limit: TimeLimit) -> None:
        super().__init__(
            f"no complete answer within the answer's time limit of {limit.seconds:g} s (llm.total_deadline_s)"
        )


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    truncated: bool = False  # the stream ended without a finish reason: the answer may be cut off


@dataclass
class LLMClient:
    base_url: str
    model: str
    api_key: str = "not-needed"
    timeout_s: float = 60.0
    request_deadline_s: float = 120.0
    answer_deadline_s: float = 150.0
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
            request_deadline_s=llm.request_deadline_s,
            answer_deadline_s=llm.answer_deadline_s,
            attempts=llm.attempts,
            backoff_s=llm.backoff_s,
            max_tokens=llm.max_tokens,
            temperature=llm.temperature,
        )

    def __post_init__(self) -> None:
        self._client = OpenAI(
            base_url=self.base_url,
            api_key=self.api_key,
            timeout=self.timeout_s,
            max_retries=0,
            http_client=httpx.Client(transport=DeadlineTransport(), timeout=self.timeout_s),
        )
        self.last_usage = Usage()

    def _call_deadline(self) -> tuple[float, TimeLimit | None]:
        """When this call must end: `answer_deadline_s` from now, or the answer's time limit if sooner
        (then also that limit, so that running out of it is reported as such)."""
        at = time.monotonic() + self.answer_deadline_s
        limit = current_time_limit()
        return (limit.at, limit) if limit is not None and limit.at < at else (at, None)

    def _fail(self, err: Exception, attempts: int, limit: TimeLimit | None = None) -> LLMEndpointError:
        if limit is not None and limit.remaining() <= 0:
            return TimeLimitExceeded(limit)
        if isinstance(err, DeadlineExceeded):
            reason = "deadline"
            detail = f"no complete answer within {self.request_deadline_s:g} s (llm.request_deadline_s)"
        else:
            reason = f"HTTP {err.status_code}" if isinstance(err, openai.APIStatusError) else type(err).__name__
            detail = str(err).splitlines()[0][:200] if str(err) else ""
        return LLMEndpointError(
            f"LLM endpoint {self.base_url} (model {self.model}) failed after {attempts} attempt(s): "
            f"{reason}{': ' + detail if detail else ''}"
        )

    def _out_of_time(self, attempts: int, last: Exception | None, limit: TimeLimit | None) -> LLMEndpointError:
        if limit is not None:
            return TimeLimitExceeded(limit)
        cause = f"; last error: {type(last).__name__}" if last is not None else ""
        return LLMEndpointError(
            f"LLM endpoint {self.base_url} (model {self.model}) gave no answer within {self.answer_deadline_s:g} s "
            f"(llm.answer_deadline_s) in {attempts} attempt(s){cause}"
        )

    def stream(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> Iterator[str]:
        """Yield completion text as it is generated. Retries only before the first token arrives; the whole
        call (every attempt and backoff) ends by `answer_deadline_s`, each request by `request_deadline_s`."""
        answer_deadline, limit = self._call_deadline()
        self.last_usage = Usage()
        last: Exception | None = None
        for attempt in range(1, self.attempts + 1):
            remaining = answer_deadline - time.monotonic()
            if remaining <= 0:
                raise self._out_of_time(attempt - 1, last, limit)
            emitted = chunks = False
            finish: str | None = None
            try:
                with deadline_for_this_thread(time.monotonic() + min(self.request_deadline_s, remaining)):
                    response = self._client.chat.completions.create(
                        model=self.model,
                        messages=messages,
                        max_tokens=max_tokens or self.max_tokens,
                        temperature=self.temperature,
                        stream=True,
                        stream_options={"include_usage": True},
                        timeout=min(self.timeout_s, remaining),
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
                            finish = chunk.choices[0].finish_reason or finish
                            text = chunk.choices[0].delta.content
                            if text:
                                emitted = True
                                yield text
                if not chunks:
                    raise ValueError("the response held no completion events (not an OpenAI-compatible stream)")
                self.last_usage.truncated = finish is None
                return
            except RETRYABLE as err:
                if emitted or attempt == self.attempts:
                    raise self._fail(err, attempt, limit) from err
                last = err
                time.sleep(max(0.0, min(self.backoff_s * 2 ** (attempt - 1), answer_deadline - time.monotonic())))
            except (openai.APIError, ValueError, KeyError, TypeError, AttributeError) as err:
                # 4xx, or a body that is not an OpenAI response: retrying will not help.
                raise self._fail(err, attempt, limit) from err

    def complete(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> str:
        return "".join(self.stream(messages, max_tokens))

    def first_token_choices(self, messages: list[dict[str, str]], top: int = 10) -> dict[str, float]:
        """Probability of each of the `top` likeliest first tokens of the reply (lower-cased, stripped).

        One greedy token with its log-probabilities: a judgment in one decode step. Streamed like every
        other call (same retries and deadlines), so any endpoint that can answer can judge; one that
        returns no log-probabilities counts the text it generated as certain.
        """
        answer_deadline, limit = self._call_deadline()
        last: Exception | None = None
        for attempt in range(1, self.attempts + 1):
            remaining = answer_deadline - time.monotonic()
            if remaining <= 0:
                raise self._out_of_time(attempt - 1, last, limit)
            try:
                probabilities: dict[str, float] = {}
                text: list[str] = []
                with deadline_for_this_thread(time.monotonic() + min(self.request_deadline_s, remaining)):
                    response = self._client.chat.completions.create(
                        model=self.model,
                        messages=messages,
                        max_tokens=1,
                        temperature=0.0,
                        logprobs=True,
                        top_logprobs=top,
                        stream=True,
                        timeout=min(self.timeout_s, remaining),
                    )
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
                    raise self._fail(err, attempt, limit) from err
                last = err
                time.sleep(max(0.0, min(self.backoff_s * 2 ** (attempt - 1), answer_deadline - time.monotonic())))
            except (openai.APIError, ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
                raise self._fail(err, attempt, limit) from err
        raise AssertionError("unreachable")
