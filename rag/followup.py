"""Turn a follow-up question plus chat history into a standalone retrieval query (no LLM)."""

from __future__ import annotations

from collections.abc import Sequence

from rag.answer_types import Turn
from rag.names import names_in, words_in

# Words by which a follow-up points back at what the conversation was about (in `words_in`'s form).
_REFERRING = words_in("it its they their them this that these those")


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


def leaves_reference_open(rewrite: str, question: str, history: Sequence[Turn]) -> bool:
    """Whether a model's `rewrite` of the follow-up `question` still points at nothing.

    - It keeps a word that refers back ("What accuracy did their classifier get?") and took no word from the
      conversation (a small model sometimes returns the follow-up unchanged).
    - Or it dropped the question's referring word, took no word from the conversation and names nothing:
      the referent was lost, not resolved ("Which accelerator hardware was evaluated on?" for "... was it
      evaluated on?").
    A rewrite that dropped the reference but names what it asks about ("What is BiSAGE?" for "What is
    BiSAGE in it?") stands."""
    rewrite_words, question_words = words_in(rewrite), words_in(question)
    earlier = frozenset().union(*(words_in(t.content) for t in history)) if history else frozenset()
    resolved = bool((rewrite_words - question_words) & earlier)
    if _REFERRING & rewrite_words:
        return not resolved
    return bool(_REFERRING & question_words) and not resolved and not names_in(rewrite)
