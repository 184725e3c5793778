"""Dead, slow and failing endpoints: bounded retries, then a clear error naming the endpoint."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from rag.llm.client import LLMClient, LLMEndpointError
from tests.fault_server import misbehaving_server

MESSAGES = [{"role": "user", "content": "hello"}]


def _client(url: str, **kwargs) -> LLMClient:
    return LLMClient(base_url=url, model="m", backoff_s=0.05, **kwargs)


def test_http_500_is_retried_then_reported():
    with misbehaving_server("500") as (url, handler):
        with pytest.raises(LLMEndpointError, match=r"127\.0\.0\.1.*HTTP 500") as caught:
            _client(url).complete(MESSAGES)
        assert handler.requests == 3  # bounded retries
    assert url in str(caught.value)


def test_connection_refused_is_reported_quickly():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before use: nothing listens there
    started = time.monotonic()
    with pytest.raises(LLMEndpointError, match="APIConnectionError"):
        _client(f"http://127.0.0.1:{port}/v1").complete(MESSAGES)
    assert time.monotonic() - started < 10


def test_slow_endpoint_times_out():
    with misbehaving_server("slow") as (url, handler):
        started = time.monotonic()
        with pytest.raises(LLMEndpointError, match="APITimeoutError"):
            _client(url, timeout_s=0.5, attempts=2).complete(MESSAGES)
        assert handler.requests == 2
        assert time.monotonic() - started < 5


def test_malformed_response_is_not_retried_and_is_reported():
    with misbehaving_server("malformed") as (url, handler):
        with pytest.raises(LLMEndpointError, match=url):
            _client(url).complete(MESSAGES)
        assert handler.requests == 1


def test_transient_failure_recovers():
    with misbehaving_server("flaky") as (url, handler):
        assert _client(url).complete(MESSAGES) == "recovered"
        assert handler.requests == 2


def test_cli_ask_against_failing_endpoint_prints_clear_error(bundled_index, tmp_path):
    with misbehaving_server("500") as (url, _):
        env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "x", "RAG_MODEL": "m", "RAG_INDEX_DIR": str(bundled_index)}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "rag.cli",
                "ask",
                "How does Harmony train massive models on one server?",
                "--backend",
                "openai",
            ],
            capture_output=True,
            text=True,
            env={**__import__("os").environ, **env},
            timeout=120,
        )
    assert result.returncode == 2
    assert "LLM endpoint" in result.stderr and url in result.stderr
    assert "Traceback" not in result.stderr


# --- deadlines: an endpoint that trickles, one that never answers, one that hangs up mid-answer ----------


def test_an_endpoint_that_trickles_keep_alives_hits_the_request_deadline():
    """Keep-alive lines reset a per-read timeout forever; the request deadline still ends the request."""
    with misbehaving_server("trickle") as (url, handler):
        client = _client(url, timeout_s=5, request_deadline_s=1.0, answer_deadline_s=20, attempts=2)
        with pytest.raises(LLMEndpointError, match=r"failed after 2 attempt\(s\): deadline.*llm\.request_deadline_s"):
            client.complete(MESSAGES)
        deadline = time.monotonic() + 10
        while handler.hung_up < 2 and time.monotonic() < deadline:  # the server notices on its next write
            time.sleep(0.05)
        assert handler.requests == 2 and handler.hung_up == 2  # the client hung up both times, mid-trickle


def test_a_silent_endpoint_is_bounded_by_the_answer_deadline():
    """Ten attempts of a 0.5 s read timeout would be five seconds; the answer deadline stops them sooner."""
    with misbehaving_server("silent") as (url, handler):
        client = _client(url, timeout_s=0.5, answer_deadline_s=1.2, attempts=10)
        with pytest.raises(LLMEndpointError, match=r"no answer within 1\.2 s \(llm\.answer_deadline_s\)"):
            client.complete(MESSAGES)
        assert 2 <= handler.requests <= 3


def test_default_deadlines_bound_a_silent_endpoint_to_minutes_not_six():
    from rag.settings import LLMSettings

    llm = LLMSettings()
    assert llm.answer_deadline_s <= 150 and llm.request_deadline_s <= llm.answer_deadline_s
    assert llm.timeout_s * llm.attempts > llm.answer_deadline_s  # the answer deadline is what bounds it


def test_a_stream_cut_after_one_chunk_is_marked_truncated(bundled_index, monkeypatch):
    from rag.pipeline import ask

    with misbehaving_server("cut") as (url, _):
        client = _client(url)
        assert client.complete(MESSAGES) == "Harmony trains massive models on a single server"
        assert client.last_usage.truncated
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        monkeypatch.setenv("OPENAI_API_KEY", "x")
        monkeypatch.setenv("RAG_MODEL", "m")
        answer = ask("How does Harmony train massive models on one server?", backend="openai", index_dir=bundled_index)
    assert answer.truncated and answer.notice and "may be incomplete" in answer.notice


def test_a_finished_stream_is_not_marked_truncated():
    with misbehaving_server("answer") as (url, _):
        client = _client(url)
        assert client.complete(MESSAGES).startswith("Tiny transformers")
        assert not client.last_usage.truncated
