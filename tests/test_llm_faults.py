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
