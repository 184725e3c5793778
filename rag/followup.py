"""Turn a follow-up question plus chat history into a standalone retrieval query (no LLM)."""

from __future__ import annotations

from collections.abc import Sequence

from rag.answer_types import Turn


def last_user_turn(history: Sequence[Turn]) -> str | None:
    for turn in reversed(history):
        if turn.role == "user" and turn.content.strip():
            return turn.content.strip()
    return None


def heuristic_standalone(question: str, history: Sequence[Turn]) -> str:
    """Prefix the follow-up with the previous user question, which names what "it"/"they" refer to.

    Retrieval is lexical+dense, so carrying the previous question's terms is what resolves the
    reference; the follow-up's own terms keep the new information need.
    """
    previous = last_user_turn(history)
    return f"{previous} {question}" if previous else question
