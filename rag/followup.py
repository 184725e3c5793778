"""Turn a follow-up question plus chat history into a standalone retrieval query (no LLM)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def last_user_turn(history: Sequence[dict[str, Any]]) -> str | None:
    for turn in reversed(history):
        if turn.get("role") == "user" and str(turn.get("content", "")).strip():
            return str(turn["content"]).strip()
    return None


def heuristic_standalone(question: str, history: Sequence[dict[str, Any]]) -> str:
    """Prefix the follow-up with the previous user question, which names what "it"/"they" refer to.

    Retrieval is lexical+dense, so carrying the previous question's terms is what resolves the
    reference; the follow-up's own terms keep the new information need.
    """
    previous = last_user_turn(history)
    return f"{previous} {question}" if previous else question
