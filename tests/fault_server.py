"""A real HTTP server on 127.0.0.1 that misbehaves like a broken OpenAI-compatible endpoint.

Used only for faults that cannot be caused on demand with the real model server: HTTP 500s, malformed
bodies, responses slower than the client's timeout, a reply of bare citation markers, a reply that only
restates the question (judged supported), judgments that are each in time but outlast the answer's time limit.
"""

from __future__ import annotations

import http.server
import json
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rag.answer_types import Answer
from rag.pipeline import ask
from rag.settings import Settings


class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "500"
    requests = 0
    hung_up = 0  # trickle mode: times the client closed the connection mid-response
    delay = 0.2  # slow-judge mode: seconds before an answer
    judge_delay = 5.0  # slow-judge mode: seconds before a one-token judgment
    reply = ""  # restate and reject modes: the answer text

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        type(self).requests += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "500":
            self._send(500, b'{"error": {"message": "internal error"}}')
        elif self.mode == "malformed":
            self._send(200, b"this is not json at all", content_type="text/event-stream")
        elif self.mode == "slow":
            time.sleep(5)
            self._send(200, json.dumps({"choices": []}).encode())
        elif self.mode == "bare-markers":  # a small model's degenerate reply: citations and no text
            self._send(200, _events(["[1] [2]"], "stop"), content_type="text/event-stream")
        elif self.mode == "restate":  # the answer `reply`; every one-token judgment says "supported"
            one_token = json.loads(body or b"{}").get("max_tokens") == 1
            self._send(200, _events(["supported" if one_token else self.reply], "stop"), "text/event-stream")
        elif self.mode == "reject":  # the answer `reply`; every one-token judgment says "contradicted"
            one_token = json.loads(body or b"{}").get("max_tokens") == 1
            self._send(200, _events(["contradicted" if one_token else self.reply], "stop"), "text/event-stream")
        elif self.mode == "answer":  # a well-behaved endpoint: one cited sentence, then a finish reason
            self._send(200, _events(["Tiny transformers run on microcontrollers [1]."], "stop"), "text/event-stream")
        elif self.mode == "flaky":
            if type(self).requests == 1:
                self._send(503, b'{"error": {"message": "busy"}}')
            else:
                self._send(200, _events(["recovered"], "stop"), content_type="text/event-stream")
        elif self.mode == "cut":  # one chunk, then the connection closes: no finish reason, no [DONE]
            self._send(200, _events(["Harmony trains massive models on a single server"], None), "text/event-stream")
        elif self.mode == "trickle":  # headers, then a keep-alive comment every 0.1 s and never an answer
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            try:
                for _ in range(300):  # 30 s at most, so a client without a deadline still ends
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:  # the client hung up: what a deadline does
                type(self).hung_up += 1
        elif self.mode == "silent":  # accepts the request and never answers
            time.sleep(30)
        elif self.mode == "unsure-yes":  # a one-token judgment "yes" at P = `reply` (the rest "no")
            yes = float(self.reply)
            top = [{"token": "yes", "logprob": math.log(yes), "bytes": None}]
            top.append({"token": "no", "logprob": math.log(1 - yes), "bytes": None})
            logprobs = {"content": [{"token": "yes", "logprob": math.log(yes), "bytes": None, "top_logprobs": top}]}
            body = _chunk({"content": "yes"}, None, logprobs) + _chunk({}, "stop") + "data: [DONE]\n\n"
            self._send(200, body.encode(), content_type="text/event-stream")
        elif self.mode == "slow-judge":  # well-formed replies: answers after `delay` s, judgments after `judge_delay` s
            one_token = json.loads(body or b"{}").get("max_tokens") == 1  # a judgment, not an answer
            time.sleep(self.judge_delay if one_token else self.delay)
            text = "supported" if one_token else "Harmony trains massive models on a single server [1]."
            self._send(200, _events([text], "stop"), content_type="text/event-stream")

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _chunk(delta: dict[str, str], finish_reason: str | None, logprobs: dict | None = None) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": logprobs}
    event = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [choice]}
    return f"data: {json.dumps(event)}\n\n"


def _events(pieces: list[str], finish_reason: str | None) -> bytes:
    """An OpenAI chat-completion event stream of `pieces`, ending with `finish_reason` (None: no end event)."""
    body = "".join(_chunk({"content": p}, None) for p in pieces)
    if finish_reason is not None:
        body += _chunk({}, finish_reason) + "data: [DONE]\n\n"
    return body.encode()


@contextmanager
def misbehaving_server(mode: str, reply: str = "") -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"mode": mode, "requests": 0, "hung_up": 0, "reply": reply})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
    finally:
        server.shutdown()
        server.server_close()


def ask_through(
    mode: str, reply: str, question: str, index_dir: Path, monkeypatch: pytest.MonkeyPatch, **settings: object
) -> Answer:
    """`rag.ask` through a `misbehaving_server(mode, reply)` used as the OpenAI-compatible endpoint, with
    `settings` as overrides ("restate": every judgment says supported; "reject": contradicted)."""
    with misbehaving_server(mode, reply=reply) as (url, _handler):
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        monkeypatch.setenv("OPENAI_API_KEY", "not-needed")
        monkeypatch.setenv("RAG_MODEL", "m")
        return ask(question, backend="openai", index_dir=index_dir, settings=Settings.load(overrides=settings))
