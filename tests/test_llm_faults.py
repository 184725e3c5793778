"""Dead, slow and failing endpoints: bounded retries, then a clear error naming the endpoint."""

from __future__ import annotations

import os
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


# --- the whole answer's time limit (llm.total_deadline_s): condensing, gate, answer and checks together ---


def test_a_call_made_under_the_answer_time_limit_ends_by_it():
    """The call's own deadlines are generous; the answer's time limit is what stops it, and is named."""
    from rag.llm.client import TimeLimitExceeded
    from rag.llm.deadline import TimeLimit

    with misbehaving_server("trickle") as (url, handler):
        client = _client(url, timeout_s=5, request_deadline_s=20, answer_deadline_s=20, attempts=3)
        limit = TimeLimit.starting_now(1.0)
        with limit.active(), pytest.raises(TimeLimitExceeded, match=r"time limit of 1 s \(llm\.total_deadline_s\)"):
            client.complete(MESSAGES)
        assert handler.requests == 1  # no retry once the limit has passed


def _openai_settings(url: str, index: object, total_deadline_s: float):
    from rag.settings import Settings

    return Settings.load().with_overrides(
        {
            "generation.backend": "openai",
            "llm.base_url": url,
            "llm.model": "m",
            "llm.api_key": "x",
            "llm.backoff_s": 0.05,
            "llm.total_deadline_s": total_deadline_s,
            "index.dir": index,
        }
    )


QUESTION = "How does Harmony train massive models on one server?"


def test_answer_checks_cut_by_the_time_limit_leave_the_sentence_out_and_say_why(bundled_index):
    """A quick answer, then an entailment check that takes 5 s, under a 3 s limit: the check cannot finish,
    so the sentence is not shown as supported; the answer abstains and the notice names the limit. With
    room for both, the same sentence is checked and kept (the test can fail both ways)."""
    from rag.pipeline import ask

    with misbehaving_server("slow-judge") as (url, handler):
        answer = ask(QUESTION, settings=_openai_settings(url, bundled_index, 3))
        requests_when_cut = handler.requests
    assert answer.abstained and not answer.sentences
    assert [s.text for s in answer.removed] == ["Harmony trains massive models on a single server."]
    assert answer.notice and "llm.total_deadline_s" in answer.notice and "3 s" in answer.notice
    assert requests_when_cut == 2  # the answer and the one check it cut short; nothing after the limit

    with misbehaving_server("slow-judge") as (url, handler):
        answer = ask(QUESTION, settings=_openai_settings(url, bundled_index, 30))
    assert not answer.abstained and answer.sentences[0].supported and answer.sentences[0].citations == [1]
    assert not answer.notice


def test_an_answer_that_outlasts_the_time_limit_is_a_clear_error(bundled_index):
    """A trickling endpoint under generous per-request deadlines: the whole answer still ends at its limit,
    and the CLI prints one line naming it, no traceback."""
    from rag.llm.client import TimeLimitExceeded
    from rag.pipeline import ask

    with misbehaving_server("trickle") as (url, _):
        with pytest.raises(TimeLimitExceeded, match=r"llm\.total_deadline_s"):
            ask(QUESTION, settings=_openai_settings(url, bundled_index, 1.5))
        env = {
            **os.environ,
            "OPENAI_BASE_URL": url,
            "OPENAI_API_KEY": "x",
            "RAG_MODEL": "m",
            "RAG_LLM__TOTAL_DEADLINE_S": "1.5",
        }
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "rag.cli",
                "ask",
                QUESTION,
                "--backend",
                "openai",
                "--index-dir",
                str(bundled_index),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    assert run.returncode != 0
    assert "llm.total_deadline_s" in run.stderr and "Traceback" not in run.stderr


def test_the_answer_time_limit_default_bounds_an_answer_to_minutes():
    from rag.settings import LLMSettings

    llm = LLMSettings()
    assert 0 < llm.total_deadline_s <= 300
