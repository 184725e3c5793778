"""A total deadline for one HTTP request, streamed body included.

httpx's timeouts are per operation: an endpoint that sends a keep-alive line every few seconds never
trips a read timeout and can hold a request forever. `DeadlineTransport` wraps the response body so that
every chunk read checks the deadline set for the current thread (`deadline_for_this_thread`), and raises
`DeadlineExceeded` once it has passed. The OpenAI client calls the transport on the caller's thread.

`TimeLimit` is the whole answer's deadline (condensing, the answerability check, the answer and its
checks): the pipeline activates it around each step, and every LLM call made inside ends by it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

_state = threading.local()


class DeadlineExceeded(httpx.TimeoutException):
    """The request's total deadline passed while its body was still arriving."""


@contextlib.contextmanager
def _on_this_thread(name: str, value: object) -> Iterator[None]:
    """Set `_state.<name>` to `value` inside the block, and restore it after."""
    previous = getattr(_state, name, None)
    setattr(_state, name, value)
    try:
        yield
    finally:
        setattr(_state, name, previous)


def deadline_for_this_thread(at: float) -> contextlib.AbstractContextManager[None]:
    """Requests started on this thread inside the block must finish by `time.monotonic()` == `at`."""
    return _on_this_thread("at", at)


@dataclass(frozen=True)
class TimeLimit:
    """One answer's deadline: `seconds` in all, ending at `time.monotonic()` == `at`."""

    at: float
    seconds: float

    @classmethod
    def starting_now(cls, seconds: float) -> TimeLimit:
        return cls(time.monotonic() + seconds, seconds)

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def active(self) -> contextlib.AbstractContextManager[None]:
        """LLM calls started on this thread inside the block end by this limit. The block must not span a
        `yield`: a generator may be resumed on another thread (Gradio does), so each step is wrapped alone."""
        return _on_this_thread("limit", self)


def current_time_limit() -> TimeLimit | None:
    """The `TimeLimit` active on this thread, if any."""
    return getattr(_state, "limit", None)


class _DeadlineStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, at: float, request: httpx.Request) -> None:
        self._inner = inner
        self._at = at
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if time.monotonic() > self._at:
                raise DeadlineExceeded("the request's total deadline passed", request=self._request)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class DeadlineTransport(httpx.HTTPTransport):
    """An `httpx.HTTPTransport` whose response bodies stop at the thread's current deadline."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        at = getattr(_state, "at", None)
        response = super().handle_request(request)
        if at is not None and isinstance(response.stream, httpx.SyncByteStream):
            response.stream = _DeadlineStream(response.stream, at, request)
        return response
