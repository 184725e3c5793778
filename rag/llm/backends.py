"""Choose a backend (local / openai / extractive) and build its OpenAI-compatible client."""

from __future__ import annotations

import os
import sys

from rag.llm.client import LLMClient
from rag.llm.model_files import MODEL_NAME, parts_installed

BACKENDS = ("local", "openai", "extractive")


def default_backend() -> str:
    chosen = os.environ.get("RAG_BACKEND")
    if chosen:
        return chosen
    if parts_installed():
        return "local"
    print("notice: the embedded model is not installed (`make model`); using the extractive backend", file=sys.stderr)
    return "extractive"


def resolve_backend(name: str | None) -> str:
    backend = name or default_backend()
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return backend


def make_client(backend: str) -> LLMClient:
    if backend == "local":
        from rag.llm.local_server import ensure_server

        return LLMClient(base_url=ensure_server() + "/v1", model=MODEL_NAME)
    if backend == "openai":
        base_url = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
        api_key = os.environ.get("OPENAI_API_KEY") or "not-needed"
        return LLMClient(base_url=base_url, model=os.environ.get("RAG_MODEL", "gpt-4o-mini"), api_key=api_key)
    raise ValueError(f"backend {backend!r} has no LLM client")


def model_label(backend: str) -> str:
    if backend == "local":
        return MODEL_NAME
    if backend == "openai":
        return os.environ.get("RAG_MODEL", "gpt-4o-mini")
    return "extractive"
